# dlenv_unity_groups(TARGET SOURCES...): in a unity build (CMAKE_UNITY_BUILD=ON), combines
# the target's sources into units that never hold two files of one folder.
#
# Why not CMake's plain batches: the files of one room share a namespace, and their
# anonymous-namespace helpers reuse short names (Find, Check, Healthy, kMaxDepth); two of them
# in one unit would collide, and a developer's per-file build would never show it. Files of
# different rooms live in different namespaces, so a unit made of one file per folder
# compiles exactly as the files do alone.
#
# The files are dealt out like cards, folder after folder, over as many units as the largest
# folder has files, so that the units come out the same size.
function(dlenv_unity_groups target)
  if(NOT CMAKE_UNITY_BUILD)
    return()
  endif()
  set(sources ${ARGN})
  list(SORT sources)
  set(dirs "")
  set(largest 1)
  foreach(src IN LISTS sources)
    get_filename_component(dir "${src}" DIRECTORY)
    string(MAKE_C_IDENTIFIER "${dir}" key)
    if(NOT DEFINED count_${key})
      set(count_${key} 0)
      list(APPEND dirs ${key})
    endif()
    list(APPEND files_${key} "${src}")
    math(EXPR count_${key} "${count_${key}} + 1")
    if(count_${key} GREATER largest)
      set(largest ${count_${key}})
    endif()
  endforeach()
  set(dealt 0)
  # One folder's files are dealt one after another, so no two of them land in one unit.
  foreach(key IN LISTS dirs)
    foreach(src IN LISTS files_${key})
      math(EXPR group "${dealt} % ${largest}")
      set_property(SOURCE "${src}" TARGET_DIRECTORY ${target} PROPERTY UNITY_GROUP "group${group}")
      math(EXPR dealt "${dealt} + 1")
    endforeach()
  endforeach()
  set_target_properties(${target} PROPERTIES UNITY_BUILD_MODE GROUP)
endfunction()

# dlenv_unity_first_header(TARGET HEADER): in a unity build, HEADER comes before every file of
# the target (in its precompiled header, or by -include without one). model/json.h needs it:
# it specializes nlohmann's adl_serializer for std::optional, and in a unit where an earlier
# file instantiated the primary template first, that specialization is an error.
function(dlenv_unity_first_header target header)
  if(NOT CMAKE_UNITY_BUILD)
    return()
  endif()
  if(DLENV_PCH)
    target_precompile_headers(${target} PRIVATE "${header}")
  else()
    target_compile_options(${target} PRIVATE -include "${header}")
  endif()
endfunction()
