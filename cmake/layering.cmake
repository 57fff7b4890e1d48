# The dependency order, checked at configure time: a file may include headers of its own folder
# and of the folders listed for it, nothing else (docs/architecture.md, "Layout"). Linking only
# what a library may use catches calls across the order; this catches the headers too, including
# the header-only parts a link would never notice.
set(CM_LAYERS
  "metrics:"
  "json:"
  "engine:"
  "journal:engine"
  "runtime:engine,journal,metrics"
  "readmodel:engine,metrics"
  "views:engine,readmodel,json"
  "history:engine,metrics"
  "replay:engine,journal,views"
  "http:json,metrics"
  "auth:engine,json"
  "tickets:engine,json"
  "api:engine,runtime,readmodel,views,http,auth,tickets,history,json,metrics"
  "live:engine,runtime,readmodel,views,http,auth,json,metrics"
  "payments:engine,metrics,http,json,auth"
  "outbox:engine,views,metrics"
  "replication:engine,runtime,metrics"
  "app:engine,journal,runtime,readmodel,views,http,auth,tickets,api,live,payments,outbox,replication,history,json,metrics")

function(cm_check_layering root)
  set(folders "")
  foreach(layer IN LISTS CM_LAYERS)
    string(REPLACE ":" ";" parts "${layer}")
    list(GET parts 0 folder)
    list(APPEND folders ${folder})
  endforeach()
  foreach(layer IN LISTS CM_LAYERS)
    string(REPLACE ":" ";" parts "${layer}")
    list(GET parts 0 folder)
    list(LENGTH parts n)
    set(allowed ${folder})
    if(n GREATER 1)
      list(GET parts 1 deps)
      string(REPLACE "," ";" deps "${deps}")
      list(APPEND allowed ${deps})
    endif()
    file(GLOB_RECURSE sources ${root}/${folder}/*.h ${root}/${folder}/*.cc ${root}/${folder}/*.in)
    foreach(source IN LISTS sources)
      file(STRINGS ${source} includes REGEX "^#include \"[a-z_]+/")
      foreach(line IN LISTS includes)
        string(REGEX REPLACE "^#include \"([a-z_]+)/.*" "\\1" target "${line}")
        if(target IN_LIST folders AND NOT target IN_LIST allowed)
          file(RELATIVE_PATH where ${root} ${source})
          message(FATAL_ERROR "layering: ${where} includes ${target}/, which ${folder}/ may not "
                              "use (allowed: ${allowed}; see cmake/layering.cmake)")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()

cm_check_layering(${PROJECT_SOURCE_DIR})
