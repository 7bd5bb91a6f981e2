# Where `cmake --install` puts things (the FHS, through GNUInstallDirs), and the Debian
# package `cpack -G DEB` builds from the same rules (scripts/check-deb.sh checks it).
include(GNUInstallDirs)

install(TARGETS dlenv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Architecture-independent data a user's tools validate reports against.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/schema/ DESTINATION ${CMAKE_INSTALL_DATADIR}/dlenv/schema
        FILES_MATCHING PATTERN "*.json")
# CMAKE_INSTALL_DOCDIR is share/doc/dlenv.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
# Debian policy 12.5 and 12.7: every package ships its copyright file and its changelog,
# compressed without a timestamp (gzip -n) so the package builds reproducibly.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
set(DLENV_DEB_CHANGELOG ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz)
add_custom_command(OUTPUT ${DLENV_DEB_CHANGELOG}
                   COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
                   COMMAND gzip -9nc ${PROJECT_SOURCE_DIR}/packaging/debian/changelog > ${DLENV_DEB_CHANGELOG}
                   DEPENDS ${PROJECT_SOURCE_DIR}/packaging/debian/changelog VERBATIM)
add_custom_target(dlenv_changelog ALL DEPENDS ${DLENV_DEB_CHANGELOG})
install(FILES ${DLENV_DEB_CHANGELOG} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# A manual page from `dlenv --help` where help2man (Debian's help2man) is installed.
find_program(DLENV_HELP2MAN help2man)
if(DLENV_HELP2MAN AND NOT CMAKE_CROSSCOMPILING)
  set(DLENV_MANPAGE ${CMAKE_BINARY_DIR}/packaging/dlenv.1.gz)
  add_custom_command(OUTPUT ${DLENV_MANPAGE}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
                     COMMAND ${DLENV_HELP2MAN} --no-info --no-discard-stderr --section=1
                             --name=${PROJECT_DESCRIPTION} --output=${CMAKE_BINARY_DIR}/packaging/dlenv.1 $<TARGET_FILE:dlenv>
                     COMMAND gzip -9nf ${CMAKE_BINARY_DIR}/packaging/dlenv.1
                     DEPENDS dlenv VERBATIM)
  add_custom_target(dlenv_manpage ALL DEPENDS ${DLENV_MANPAGE})
  install(FILES ${DLENV_MANPAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

set(CPACK_PACKAGE_NAME dlenv)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "dlenv maintainers <maintainers@users.noreply.r-seed-e9eb0935.example>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the extended description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "dlenv inspects the NVIDIA driver, the GPUs, the CUDA toolkits and libraries\nand the Python environments on a machine, and says what is wrong and how to\nfix it. It also checks that the GPU computes, measures it, and locks an\nenvironment so that a team can reproduce it. It needs no NVIDIA library to\nrun: it loads the driver's at run time when it is there.")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends from the binary's NEEDED entries, by dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libcurl is opened at run time by `dlenv install` (src/probe/http_curl.cc), so
# dpkg-shlibdeps cannot see it; without it install answers offline from its table.
if(NOT DLENV_PORTABLE)
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libcurl4")
endif()
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
include(CPack)
