/*
 * cmd_init.c — solidarity init: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_init(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("init", "this command is not available in this build yet");
    return CLI_ERR;
}
