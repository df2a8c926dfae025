include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
install(TARGETS roro_modules roro_topology roro_contraction roro_training roro_analysis roro_study roro roro_consumer_flags
        EXPORT roroTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(component modules topology contraction training analysis study)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${component}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(EXPORT roroTargets NAMESPACE roro:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roro)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/roroConfig.cmake.in
  ${CMAKE_BINARY_DIR}/roroConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roro)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/roroConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/roroConfig.cmake ${CMAKE_BINARY_DIR}/roroConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/roro)
install(TARGETS roro_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
