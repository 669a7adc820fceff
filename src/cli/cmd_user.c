/*
 * cmd_user.c — solidarity user: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_user(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("user", "this command is not available in this build yet");
    return CLI_ERR;
}
