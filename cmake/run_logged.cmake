# cmake -DCOMMAND=<list> -DLOG=<file> -P run_logged.cmake
# Runs COMMAND, writes its stdout+stderr to LOG, echoes it on failure.
execute_process(COMMAND ${COMMAND}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(WRITE ${LOG} "${out}")
if(NOT rc EQUAL 0)
  message("${out}")
  message(FATAL_ERROR "kernel compilation failed (exit ${rc})")
endif()
