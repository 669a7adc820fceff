/*
 * cmd_sync.c — solidarity sync: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_sync(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("sync", "this command is not available in this build yet");
    return CLI_ERR;
}
