# ctest driver (cmake -P) for the example smoke tests: runs PROGRAM with ARGS (a ;-list) in the
# current directory, requires exit status 0 and every regular expression of PATTERNS ("|||"
# separated) to match its standard output.
execute_process(COMMAND ${PROGRAM} ${ARGS} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${status}\n${err}")
endif()
string(REPLACE "|||" ";" patterns "${PATTERNS}")
foreach(pattern IN LISTS patterns)
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "${PROGRAM}: output does not match '${pattern}'")
  endif()
endforeach()
