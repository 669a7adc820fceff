/* scan_eve: the shared log-reader harness for one format. */
#define FUZZ_FORMAT SOL_LOG_EVE
#include "fuzz_scan.c"
