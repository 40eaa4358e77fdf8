# Runs the hipquant tool once and checks its exit code, stdout and stderr.
# cmake -DTOOL=path -DARGS="a|b|c" -DEXPECT_RC=n [-DSTDOUT_RE=re] [-DSTDERR_RE=re]
#       [-DJSON_TENSORS=n] -P run_tool_test.cmake
# ARGS is '|'-separated (a ';' list would be split by add_test). On a non-zero
# EXPECT_RC stdout must be empty: errors belong on stderr. JSON_TENSORS parses
# stdout as JSON and checks the length of its "tensors" array.
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND "${TOOL}" ${args}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(ok TRUE)
if(NOT rc STREQUAL "${EXPECT_RC}")
  message(SEND_ERROR "exit code ${rc}, expected ${EXPECT_RC}")
  set(ok FALSE)
endif()
if(DEFINED STDOUT_RE AND NOT out MATCHES "${STDOUT_RE}")
  message(SEND_ERROR "stdout does not match '${STDOUT_RE}'")
  set(ok FALSE)
endif()
if(DEFINED STDERR_RE AND NOT err MATCHES "${STDERR_RE}")
  message(SEND_ERROR "stderr does not match '${STDERR_RE}'")
  set(ok FALSE)
endif()
if(NOT EXPECT_RC STREQUAL "0" AND NOT out STREQUAL "")
  message(SEND_ERROR "a failing command wrote to stdout")
  set(ok FALSE)
endif()
if(DEFINED JSON_TENSORS)
  string(JSON n ERROR_VARIABLE json_err LENGTH "${out}" tensors)
  if(json_err)
    message(SEND_ERROR "stdout is not the expected JSON: ${json_err}")
    set(ok FALSE)
  elseif(NOT n EQUAL JSON_TENSORS)
    message(SEND_ERROR "JSON has ${n} tensors, expected ${JSON_TENSORS}")
    set(ok FALSE)
  endif()
endif()
if(NOT ok)
  message(FATAL_ERROR "command: ${TOOL} ${args}\n--- stdout:\n${out}\n--- stderr:\n${err}")
endif()
