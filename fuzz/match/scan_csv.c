/* scan_csv: the shared log-reader harness for one format. */
#define FUZZ_FORMAT SOL_LOG_CSV
#include "fuzz_scan.c"
