/*
 * cmd_serve.c — solidarity serve: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("serve", "this command is not available in this build yet");
    return CLI_ERR;
}
