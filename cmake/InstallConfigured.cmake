# Run by `cmake --install` (and by CPack): the files that name installed paths (the systemd units, the
# nightly script, the crontab example), configured with the prefix of this installation and installed.
set(OZNSYNC_BINDIR "${CMAKE_INSTALL_PREFIX}/${OZNSYNC_REL_BINDIR}")
set(OZNSYNC_LIBEXECDIR "${CMAKE_INSTALL_PREFIX}/${OZNSYNC_REL_LIBEXECDIR}/oznsync")
foreach(unit oznsync.service oznsync@.service oznsync-incremental.service oznsync-incremental@.service
             oznsync-serve.service oznsync-serve@.service oznsync-fleet-serve.service
             oznsync-store-serve.service)
  configure_file("${OZNSYNC_SOURCE_DIR}/jobs/systemd/${unit}.in" "${OZNSYNC_STAGING}/${unit}" @ONLY)
  file(INSTALL "${OZNSYNC_STAGING}/${unit}" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endforeach()
configure_file("${OZNSYNC_SOURCE_DIR}/jobs/oznsync-nightly.sh.in" "${OZNSYNC_STAGING}/oznsync-nightly.sh" @ONLY)
file(INSTALL "${OZNSYNC_STAGING}/oznsync-nightly.sh" DESTINATION "${OZNSYNC_LIBEXECDIR}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
configure_file("${OZNSYNC_SOURCE_DIR}/jobs/crontab.example.in" "${OZNSYNC_STAGING}/crontab.example" @ONLY)
file(INSTALL "${OZNSYNC_STAGING}/crontab.example" DESTINATION "${CMAKE_INSTALL_PREFIX}/${OZNSYNC_REL_DOCDIR}")
# Configuration lives in /etc for a /usr installation (the .deb), else under the prefix.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(OZNSYNC_SYSCONFDIR /etc)
else()
  set(OZNSYNC_SYSCONFDIR "${CMAKE_INSTALL_PREFIX}/etc")
endif()
file(INSTALL "${OZNSYNC_SOURCE_DIR}/jobs/oznsync.ini.example" "${OZNSYNC_SOURCE_DIR}/jobs/operator.ini.example"
     DESTINATION "${OZNSYNC_SYSCONFDIR}/oznsync")
file(INSTALL "${OZNSYNC_SOURCE_DIR}/jobs/oznsync.logrotate" DESTINATION "${OZNSYNC_SYSCONFDIR}/logrotate.d"
     RENAME oznsync)
