# ASan+UBSan or TSan for the whole build. Each configuration gets its own build directory
# (see CMakePresets.json), because sanitized and plain objects must not be mixed.
# The asan and tsan presets compile with -O1 -g1: line tables are all a sanitizer's report needs,
# and full debug info of Beast's templates at -O2 took three times as long to build
# (live/ws_session.cc: 240 s against 84 s under ASan+UBSan).
if(CM_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
elseif(CM_SANITIZE STREQUAL "thread")
  # -Wno-tsan: Boost.Asio's handler completion uses std::atomic_thread_fence, which TSan does
  # not model; GCC warns at every such site. The live feed test runs clean under TSan all the same.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
elseif(NOT CM_SANITIZE STREQUAL "")
  message(FATAL_ERROR "CM_SANITIZE must be empty, 'address' or 'thread', not '${CM_SANITIZE}'")
endif()
