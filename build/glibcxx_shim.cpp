// libtorch 2.10 is built against GCC 13's libstdc++, whose headers call std::ios_base_library_init()
// (GLIBCXX_3.4.32) to initialise the standard streams. Older libstdc++ (Debian 12: 3.4.30) initialise the
// streams themselves and lack the symbol. This shim provides it; constructing an Init object is exactly
// what the real function does.
#include <ios>

namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
