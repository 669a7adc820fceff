/* scan_stix: the shared log-reader harness for one format. */
#define FUZZ_FORMAT SOL_LOG_STIX
#include "fuzz_scan.c"
