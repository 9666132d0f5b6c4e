#!/usr/bin/env python3
"""versions MESH_PORT URL N [Header: value]... -> prints "VERSION COUNT" per answering version.

Sends N GET requests to URL (a service name, e.g. http://podinfo.test:9898/) through the aviary
mesh listener as HTTP proxy, each on a fresh connection with the given headers, and counts the
`version` field of podinfo's answers ("error:CODE" for non-200, "error:conn" for failures). With
--sticky, a Set-Cookie of an answer is sent back on the following requests (a browser's cookie
jar, for session affinity); --print-cookies prints the cookies received. Bounded: 5 s a request.
"""
import collections, http.cookiejar, json, sys, urllib.request, urllib.error

def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sticky = "--sticky" in sys.argv
    port, url, n = args[0], args[1], int(args[2])
    headers = dict(h.split(": ", 1) for h in args[3:])
    handlers = [urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"})]
    jar = http.cookiejar.CookieJar()
    if sticky:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    opener = urllib.request.build_opener(*handlers)
    counts = collections.Counter()
    for _ in range(n):
        req = urllib.request.Request(url, headers=headers)
        try:
            with opener.open(req, timeout=5) as r:
                counts[json.load(r).get("version", "?")] += 1
        except urllib.error.HTTPError as e:
            counts[f"error:{e.code}"] += 1
        except Exception:
            counts["error:conn"] += 1
    for v, c in sorted(counts.items()):
        print(v, c)
    if "--print-cookies" in sys.argv:
        for c in jar:
            print("cookie", c.name, c.value)

main()
