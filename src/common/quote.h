#pragma once
// Go's %q / strconv.Quote for messages: double-quoted, with \" \\ \n \r \t escaped, other control
// characters and bytes that are not valid UTF-8 written as \xNN. Valid UTF-8 passes through.
// (fmt 9's "{:?}" aborts on invalid UTF-8, so user text must never go through it.)
#include <string>
#include <string_view>

namespace aviary {
std::string quote(std::string_view s);
}  // namespace aviary
