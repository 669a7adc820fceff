/* scan_auto: the shared log-reader harness for one format. */
#define FUZZ_FORMAT SOL_LOG_AUTO
#include "fuzz_scan.c"
