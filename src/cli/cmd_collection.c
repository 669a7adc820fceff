/*
 * cmd_collection.c — solidarity collection: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_collection(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("collection", "this command is not available in this build yet");
    return CLI_ERR;
}
