# Helpers shared by every folder.

# sb_proto_library(<target> <proto files...> [DEPS <proto targets>])
# One static library per proto package: messages + gRPC stubs.
function(sb_proto_library target)
  cmake_parse_arguments(ARG "" "" "PROTOS;DEPS" ${ARGN})
  add_library(${target} STATIC ${ARG_PROTOS})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
  target_include_directories(${target} PUBLIC ${PROJECT_BINARY_DIR}/proto)
  # Generated code is not ours to warn about, and -O1 halves its compile time.
  target_compile_options(${target} PRIVATE -O1 -g0 -w)
  protobuf_generate(TARGET ${target} LANGUAGE cpp
    IMPORT_DIRS ${PROJECT_SOURCE_DIR}/proto
    PROTOC_OUT_DIR ${PROJECT_BINARY_DIR}/proto)
  protobuf_generate(TARGET ${target} LANGUAGE grpc
    IMPORT_DIRS ${PROJECT_SOURCE_DIR}/proto
    PROTOC_OUT_DIR ${PROJECT_BINARY_DIR}/proto
    GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
    PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>")
endfunction()

# sb_test(<name> SOURCES ... LIBS ... [LABELS ...] [FIXTURES ...])
# A Catch2 unit/integration test binary registered with CTest.
function(sb_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS;FIXTURES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE Catch2::Catch2WithMain ${ARG_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "SB_TEST_ENV_FILE=${PROJECT_BINARY_DIR}/test-run/env;SB_BUILD_DIR=${PROJECT_BINARY_DIR};SB_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
  if(ARG_FIXTURES)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
endfunction()
