# roro_add_component(NAME PUBLIC_DEPENDS <targets...> PRIVATE_DEPENDS <targets...>)
# One static library per top-level component folder: sources are <folder>/src/*.cc (globbed, so a
# new file needs no CMake edit), public headers <folder>/include/roro/<folder>/*.h.
#
# PUBLIC_DEPENDS are what the public headers include (a consumer compiles against them);
# PRIVATE_DEPENDS are what only src/ uses. A static library's private dependencies still reach
# the consumer's link line (as $<LINK_ONLY:...> in the export set), so roroConfig.cmake finds both.
#
# Also defines roro_<NAME>_internal, for the build tree only (never installed or exported): the
# library plus <folder>/src on the include path. Tests of a private unit link it and write
# `#include "trajectory_witness.h"` instead of reaching into the folder by a relative path; another
# component that shares private code (topology's JSON reader) links it as
# PRIVATE $<BUILD_INTERFACE:roro_<NAME>_internal>.
function(roro_add_component name)
  cmake_parse_arguments(ARG "" "" "PUBLIC_DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cc)
  if(NOT sources)  # a component with headers only (while it is being written)
    add_library(roro_${name} INTERFACE)
    add_library(roro::${name} ALIAS roro_${name})
    target_include_directories(roro_${name} INTERFACE $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
    target_link_libraries(roro_${name} INTERFACE ${ARG_PUBLIC_DEPENDS})
    return()
  endif()
  add_library(roro_${name} STATIC ${sources})
  add_library(roro::${name} ALIAS roro_${name})
  set_target_properties(roro_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(roro_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(roro_${name}
    PUBLIC ${ARG_PUBLIC_DEPENDS} roro_consumer_flags
    PRIVATE ${ARG_PRIVATE_DEPENDS} $<BUILD_INTERFACE:roro_build_flags>)

  add_library(roro_${name}_internal INTERFACE)
  target_include_directories(roro_${name}_internal INTERFACE $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/src>)
  target_link_libraries(roro_${name}_internal INTERFACE roro_${name})
endfunction()
