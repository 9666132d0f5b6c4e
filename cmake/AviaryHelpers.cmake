# aviary_add_library(NAME SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
function(aviary_add_library name)
  cmake_parse_arguments(A "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_link_libraries(${name} PUBLIC ${A_PUBLIC_LIBS} PRIVATE ${A_PRIVATE_LIBS})
endfunction()

# aviary_add_test(NAME SOURCES ... [LIBS ...] [LABELS ...] [TIMEOUT s])
# Builds a GoogleTest binary and registers its tests with CTest (one CTest entry per binary, so
# fixtures that start servers start them once). A GTEST_SKIP()'d test inside a binary therefore
# does not make the CTest entry "skipped" (SKIP_REGULAR_EXPRESSION would mark the whole binary
# skipped and hide its passing tests); scripts/skipped-tests.sh, run by `make test`, lists every
# skipped GoogleTest test with its reason and prints the total.
function(aviary_add_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${A_TIMEOUT})
  if(A_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${A_LABELS}")
  endif()
endfunction()

# aviary_add_fuzzer(NAME SOURCES ... LIBS ...) — clang + -fsanitize=fuzzer (AVIARY_FUZZ=ON only).
function(aviary_add_fuzzer name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${A_LIBS})
  if(NOT TARGET aviary_fuzzers)
    add_custom_target(aviary_fuzzers)
  endif()
  add_dependencies(aviary_fuzzers ${name})
endfunction()
