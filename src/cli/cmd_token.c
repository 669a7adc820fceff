/*
 * cmd_token.c — solidarity token: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_token(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("token", "this command is not available in this build yet");
    return CLI_ERR;
}
