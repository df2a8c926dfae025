# roro_add_component(NAME DEPENDS <targets...>)
# One static library per top-level component folder: sources are <folder>/src/*.cc (globbed, so a
# new file needs no CMake edit), public headers <folder>/include/roro/<folder>/*.h.
function(roro_add_component name)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cc)
  if(NOT sources)  # a component with headers only (while it is being written)
    add_library(roro_${name} INTERFACE)
    add_library(roro::${name} ALIAS roro_${name})
    target_include_directories(roro_${name} INTERFACE $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
    target_link_libraries(roro_${name} INTERFACE ${ARG_DEPENDS})
    return()
  endif()
  add_library(roro_${name} STATIC ${sources})
  add_library(roro::${name} ALIAS roro_${name})
  set_target_properties(roro_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(roro_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(roro_${name} PUBLIC ${ARG_DEPENDS} PRIVATE $<BUILD_INTERFACE:roro_build_flags>)
endfunction()
