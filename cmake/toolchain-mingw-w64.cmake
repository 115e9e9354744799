# Cross-compiling libecs for 64-bit Windows with Debian's MinGW-w64
# (packages gcc-mingw-w64-x86-64, g++-mingw-w64-x86-64; docs/platforms.md).
#   cmake -S . -B build/mingw -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw-w64.cmake
# The programs run under Wine (package wine64) when it is found: ctest
# starts every test executable through it (CMAKE_CROSSCOMPILING_EMULATOR).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(ECS_MINGW_TRIPLE x86_64-w64-mingw32)

# the win32 thread model: the library's own Win32 backend needs no
# winpthreads, so nothing but the system DLLs is loaded at run time
find_program(CMAKE_C_COMPILER NAMES ${ECS_MINGW_TRIPLE}-gcc-win32 ${ECS_MINGW_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${ECS_MINGW_TRIPLE}-g++-win32 ${ECS_MINGW_TRIPLE}-g++)
find_program(CMAKE_RC_COMPILER NAMES ${ECS_MINGW_TRIPLE}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${ECS_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# the GCC runtime linked in, so that no libgcc/libstdc++ DLL has to be
# found next to the programs
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(ECS_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
  if(ECS_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${ECS_WINE})
  endif()
endif()
