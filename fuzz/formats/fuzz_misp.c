/* fuzz_misp.c — the misp reader on arbitrary bytes (fuzz_formats.h). */
#define FORMAT "misp"
#include "fuzz_formats.h"
