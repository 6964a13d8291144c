# The Debian package (make package: CPack's DEB generator): the binary, its
# man pages (scripts/man-pages.sh, help2man), the systemd unit, the
# configuration file /etc/walfs/walfs.toml (a conffile: the set keys below,
# then every other key commented out at its default, from walfs config
# example), bash completion and the docs. Maintainer scripts in
# deploy/debian create the service's user. Included from CMakeLists.txt
# where the walfs target exists.

# Generated beside the binary, at every build that changes it.
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/package/walfs.toml
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/package-config.sh $<TARGET_FILE:walfs>
          ${PROJECT_SOURCE_DIR}/deploy/walfs.toml.head ${CMAKE_BINARY_DIR}/package/walfs.toml
  DEPENDS walfs ${PROJECT_SOURCE_DIR}/deploy/walfs.toml.head ${PROJECT_SOURCE_DIR}/scripts/package-config.sh
  COMMENT "Writing the packaged /etc/walfs/walfs.toml")
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/package/man/walfs.1.gz
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/man-pages.sh $<TARGET_FILE:walfs>
          ${CMAKE_BINARY_DIR}/package/man ${PROJECT_VERSION}
  DEPENDS walfs ${PROJECT_SOURCE_DIR}/scripts/man-pages.sh
  COMMENT "Writing the man pages (help2man)")
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/package/changelog.gz
  COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/deploy/debian/changelog > ${CMAKE_BINARY_DIR}/package/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/deploy/debian/changelog)
add_custom_target(walfs_package_files ALL
  DEPENDS ${CMAKE_BINARY_DIR}/package/walfs.toml ${CMAKE_BINARY_DIR}/package/man/walfs.1.gz
          ${CMAKE_BINARY_DIR}/package/changelog.gz)

install(TARGETS walfs RUNTIME DESTINATION usr/bin)
install(DIRECTORY ${CMAKE_BINARY_DIR}/package/man/ DESTINATION usr/share/man/man1
        FILES_MATCHING PATTERN "*.1.gz")
install(FILES deploy/systemd/walfs.service DESTINATION lib/systemd/system)
# 0644 here; postinst makes it root:walfs 0640 (the log URL may hold a
# Redis password).
install(FILES ${CMAKE_BINARY_DIR}/package/walfs.toml DESTINATION etc/walfs)
install(FILES deploy/bash-completion/walfs DESTINATION usr/share/bash-completion/completions)
install(FILES README.md deploy/debian/copyright ${CMAKE_BINARY_DIR}/package/changelog.gz
        DESTINATION usr/share/doc/walfs)
install(DIRECTORY docs/ DESTINATION usr/share/doc/walfs FILES_MATCHING PATTERN "*.md")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME walfs)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /)
set(CPACK_PACKAGE_CONTACT "walfs maintainers <maintainers@walfs.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "replicated file store for many concurrent writers")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"walfs gives a cluster of servers one file namespace that any number of
clients can append to, write at offsets, rename and delete concurrently,
through an HTTP API, an S3-compatible endpoint or a POSIX mount (FUSE).
Every write is an entry in one totally ordered log (Redis Streams or NATS
JetStream) that every replica applies to its own RocksDB store.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fuse3")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server, nats-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/postrm
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
include(CPack)
