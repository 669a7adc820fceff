/*
 * cmd_grant.c — solidarity grant: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_grant(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("grant", "this command is not available in this build yet");
    return CLI_ERR;
}
