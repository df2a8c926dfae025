# ctest driver (cmake -P): installs the build tree into a temporary prefix, configures and builds
# tests/install/consumer against it with find_package(roro), runs it and checks what it prints.
# Inputs: BUILD_DIR, SOURCE_DIR (the consumer), WORK_DIR (scratch), CXX_COMPILER, BUILD_TYPE.
foreach(variable BUILD_DIR SOURCE_DIR WORK_DIR CXX_COMPILER BUILD_TYPE)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "install_test.cmake: -D${variable}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${name} failed (${status}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(file include/roro/topology/network.h lib/cmake/roro/roroConfig.cmake lib/cmake/roro/roroTargets.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the install did not write ${prefix}/${file}")
  endif()
endforeach()
# Private headers stay private.
file(GLOB_RECURSE installed_headers RELATIVE ${prefix}/include ${prefix}/include/*.h)
foreach(header ${installed_headers})
  if(NOT header MATCHES "^roro/(modules|topology|contraction|training|study)/[^/]+\\.h$")
    message(FATAL_ERROR "unexpected installed header ${header}")
  endif()
endforeach()

# Only the temporary prefix: the consumer must not see the build tree or the sources.
run_step("consumer configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${consumer_build}
         -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
run_step("consumer build" ${CMAKE_COMMAND} --build ${consumer_build})
run_step("consumer run" ${consumer_build}/roro_consumer)
message(STATUS "${step_output}")
if(NOT step_output MATCHES "consumer: 2 modules, 12 states, verdict certified, rate 0\\.[0-9]+, re-verified certified")
  message(FATAL_ERROR "unexpected consumer output: ${step_output}")
endif()
