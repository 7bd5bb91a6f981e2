# Checks src/LAYERS: every #include "room/..." in non-test code must be allowed by its room's
# line, every room must be listed, and only cli may include another room's command.h (a command's
# entry point; model/command.h is the result shape every command shares, not a command).
#
#   cmake -DSRC=<src folder> [-DSTAMP=<file to touch on success>] -P cmake/CheckLayers.cmake
#
# Written in CMake's own language so that a plain `cmake --build` runs it with nothing else
# installed (no Python). Test code (*_test.cc, *_fuzz.cc, test_*.h, src/testing/) is exempt.

cmake_minimum_required(VERSION 3.25)

if(NOT SRC)
  message(FATAL_ERROR "CheckLayers: -DSRC=<src folder> is required")
endif()
get_filename_component(SRC "${SRC}" ABSOLUTE)
set(layers_file "${SRC}/LAYERS")
if(NOT EXISTS "${layers_file}")
  message(FATAL_ERROR "CheckLayers: ${layers_file} does not exist")
endif()

# --- read the layers file: "room: allowed rooms   # comment" ---
file(STRINGS "${layers_file}" layer_lines)
set(rooms "")
foreach(line IN LISTS layer_lines)
  string(REGEX REPLACE "#.*$" "" line "${line}")
  string(STRIP "${line}" line)
  if(line STREQUAL "")
    continue()
  endif()
  if(NOT line MATCHES "^([a-z_]+):(.*)$")
    message(FATAL_ERROR "CheckLayers: ${layers_file}: cannot read the line '${line}' (want 'room: rooms')")
  endif()
  set(room "${CMAKE_MATCH_1}")
  string(STRIP "${CMAKE_MATCH_2}" allowed)
  string(REGEX REPLACE "[ \t]+" ";" allowed "${allowed}")
  list(APPEND rooms "${room}")
  set(allowed_${room} "${allowed}")
endforeach()

# Folders under src that hold no C++ code of their own.
set(not_code_rooms python testing)

file(GLOB_RECURSE sources RELATIVE "${SRC}" "${SRC}/*.cc" "${SRC}/*.h")
set(violations "")
foreach(rel IN LISTS sources)
  get_filename_component(name "${rel}" NAME)
  if(name MATCHES "(_test|_fuzz)\\.(cc|h)$" OR name MATCHES "^test_.*\\.h$" OR rel MATCHES "^testing/")
    continue()
  endif()
  string(REGEX MATCH "^[^/]+" room "${rel}")
  if(room STREQUAL rel)
    list(APPEND violations "src/${rel}: code directly in src/ belongs in a room")
    continue()
  endif()
  if(NOT room IN_LIST rooms)
    list(APPEND violations "src/${rel}: the room '${room}' is not listed in src/LAYERS")
    continue()
  endif()
  file(STRINGS "${SRC}/${rel}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(inc IN LISTS includes)
    if(NOT inc MATCHES "#[ \t]*include[ \t]*\"(([^/\"]+)/[^\"]*)\"")
      continue()
    endif()
    set(path "${CMAKE_MATCH_1}")
    set(target "${CMAKE_MATCH_2}")
    if(NOT IS_DIRECTORY "${SRC}/${target}" OR target IN_LIST not_code_rooms)
      continue()  # a system or generated header, not a room
    endif()
    if(NOT target STREQUAL room AND NOT target IN_LIST allowed_${room})
      string(REPLACE ";" " " may "${allowed_${room}}")
      list(APPEND violations "src/${rel} includes \"${path}\": ${room} may include only: ${may}")
    elseif(path MATCHES "^[^/]+/command\\.h$" AND NOT target STREQUAL "model" AND NOT target STREQUAL room
           AND NOT room STREQUAL "cli")
      list(APPEND violations
           "src/${rel} includes \"${path}\": only cli includes another room's command.h (a command calls the rooms below, not another command)")
    endif()
  endforeach()
endforeach()

if(violations)
  list(LENGTH violations count)
  string(REPLACE ";" "\n  " text "${violations}")
  message(FATAL_ERROR "src/LAYERS is broken by ${count} include(s):\n  ${text}\n"
                      "Move the shared piece down to a room both may include, or the caller up.")
endif()
if(STAMP)
  file(TOUCH "${STAMP}")
endif()
