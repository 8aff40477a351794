# deploy/packaging.cmake: where `cmake --install` puts what the two binaries
# need (included by the top CMakeLists.txt; the binaries' own rules are in
# server/ and client/), and the two Debian packages CPack builds from it:
#
#   resettle-server  (component server): resettled, the framework presets,
#                    the systemd units, /etc/resettle/resettled.conf, the
#                    CA and district-key scripts, resettled(8), its docs;
#                    maintainer scripts in deploy/debian/server/.
#   resettle-client  (component client): resettle, resettle(1), its docs.
#
# Dependencies are computed by dpkg-shlibdeps; only what the maintainer
# scripts run (adduser) is named by hand.  deploy/package.sh builds both
# .deb files with Debian's hardening flags and runs lintian on them.

include(GNUInstallDirs)

# With prefix /usr, GNUInstallDirs' FULL_SYSCONFDIR is /etc; systemd units
# belong in /lib/systemd/system on Debian 12.
set(RS_CONF_DIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/resettle)
set(RS_CONF_FILE ${RS_CONF_DIR}/resettled.conf)
set(RS_SBIN_DIR ${CMAKE_INSTALL_FULL_SBINDIR})
set(RS_STATE_DIR /var/lib/resettle)   # what StateDirectory=resettle makes
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(RS_UNIT_DIR /lib/systemd/system)
else()
  set(RS_UNIT_DIR ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(RS_SERVER_DOC ${CMAKE_INSTALL_DATADIR}/doc/resettle-server)
set(RS_CLIENT_DOC ${CMAKE_INSTALL_DATADIR}/doc/resettle-client)

# The units, with the install paths filled in.
set(RS_GEN_DIR ${PROJECT_BINARY_DIR}/deploy)
configure_file(${PROJECT_SOURCE_DIR}/deploy/systemd/resettled.service.in
  ${RS_GEN_DIR}/resettled.service @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/deploy/systemd/resettled-backup.service.in
  ${RS_GEN_DIR}/resettled-backup.service @ONLY)

# Man pages and changelogs, compressed as Debian wants them (-n: no name or
# time stamp in the .gz, so the packages are reproducible).
find_program(RS_GZIP gzip REQUIRED)
set(RS_GZ_OUTPUTS)
foreach(pair "docs/man/resettled.8;resettled.8.gz" "docs/man/resettle.1;resettle.1.gz"
             "deploy/debian/changelog;changelog.gz")
  list(GET pair 0 src)
  list(GET pair 1 out)
  add_custom_command(OUTPUT ${RS_GEN_DIR}/${out}
    COMMAND ${RS_GZIP} -9nc ${PROJECT_SOURCE_DIR}/${src} > ${RS_GEN_DIR}/${out}
    DEPENDS ${PROJECT_SOURCE_DIR}/${src}
    VERBATIM)
  list(APPEND RS_GZ_OUTPUTS ${RS_GEN_DIR}/${out})
endforeach()
add_custom_target(rs_compressed_docs ALL DEPENDS ${RS_GZ_OUTPUTS})

# ------------------------------------------------------------ server
# (resettled and the presets: server/CMakeLists.txt)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/deploy/make-certs.sh
  ${PROJECT_SOURCE_DIR}/deploy/make-district-key.sh
  DESTINATION ${CMAKE_INSTALL_DATADIR}/resettle COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/resettled.conf
  DESTINATION ${RS_CONF_DIR} COMPONENT server)
install(FILES ${RS_GEN_DIR}/resettled.service ${RS_GEN_DIR}/resettled-backup.service
  ${PROJECT_SOURCE_DIR}/deploy/systemd/resettled-backup.timer
  DESTINATION ${RS_UNIT_DIR} COMPONENT server)
install(FILES ${RS_GEN_DIR}/resettled.8.gz
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/security.md
  ${PROJECT_SOURCE_DIR}/docs/evaluation.md ${PROJECT_SOURCE_DIR}/docs/architecture.md
  ${PROJECT_SOURCE_DIR}/deploy/debian/copyright ${RS_GEN_DIR}/changelog.gz
  DESTINATION ${RS_SERVER_DOC} COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/README.md
  DESTINATION ${RS_SERVER_DOC} RENAME deploy-README.md COMPONENT server)

# ------------------------------------------------------------ client
install(FILES ${RS_GEN_DIR}/resettle.1.gz
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT client)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/csv.md
  ${PROJECT_SOURCE_DIR}/deploy/debian/copyright ${RS_GEN_DIR}/changelog.gz
  DESTINATION ${RS_CLIENT_DOC} COMPONENT client)

# ------------------------------------------------------------ CPack: two .deb
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME resettle)
set(CPACK_PACKAGE_VENDOR "resettle")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server client)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "resettle maintainers <maintainers@resettle.example>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME resettle-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "openssl, sqlite3")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/deploy/debian/server/conffiles
  ${PROJECT_SOURCE_DIR}/deploy/debian/server/postinst
  ${PROJECT_SOURCE_DIR}/deploy/debian/server/prerm
  ${PROJECT_SOURCE_DIR}/deploy/debian/server/postrm)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
"resettlement records server and self-evaluation report
resettled collects the records of the township offices of a district
reservoir-resettlement service centre over TLS, validates and stores them
in SQLite with a hash-chained audit trail, and produces the unit's annual
performance self-evaluation report (in Chinese).
.
This package runs it as the systemd service resettled.service under the
system user resettle, with its settings in /etc/resettle/resettled.conf,
its database in /var/lib/resettle and a nightly checked backup
(resettled-backup.timer).")

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME resettle-client)
# `resettle console` serves its page with libmicrohttpd, at least the version
# client/console/CMakeLists.txt builds against (shlibdeps adds it too, with
# the symbols' older minimum; apt takes both).
set(CPACK_DEBIAN_CLIENT_PACKAGE_DEPENDS "libmicrohttpd12 (>= 0.9.71)")
set(CPACK_COMPONENT_CLIENT_DESCRIPTION
"resettlement records client for township offices
resettle reads the CSV files (UTF-8 or GB18030) and the workbooks that
Excel writes, checks every row, keeps the valid ones in a local outbox and
sends them over TLS to the district's resettled, recording each
acknowledgement and its receipt. It also writes Excel templates for the
clerks. The central office pulls the self-evaluation report with it.")

include(CPack)
