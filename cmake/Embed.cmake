# Turns data files (knowledge tables, embedded Python probes) into one C++ source of byte
# arrays, so the binary carries them and needs no install prefix at run time.
set(DLENV_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/EmbedScript.cmake)

function(dlenv_embed)
  cmake_parse_arguments(E "" "OUTPUT" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} "-DFILES=${E_FILES}" -P ${DLENV_EMBED_SCRIPT}
    DEPENDS ${E_FILES} ${DLENV_EMBED_SCRIPT}
    COMMENT "Embedding data files"
    VERBATIM)
endfunction()
