/*
 * main.c — the solidarity program: global options, then one command.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct cli_globals cli_globals;

void
cli_error(const char *where, const char *fmt, ...)
{
    fprintf(stderr, "solidarity: %s: ", where);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int
cli_usage(const char *cmd, const char *fmt, ...)
{
    fprintf(stderr, "solidarity: %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'solidarity %s --help')\n", cmd);
    return CLI_ERR;
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
};

static const struct command commands[] = {
#define CLI_ROW(name, help) {#name, cli_cmd_##name, help},
    CLI_COMMANDS(CLI_ROW)
#undef CLI_ROW
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: solidarity [--data DIR] [--json] [--quiet] COMMAND [ARGS...]\n\n"
               "A node of a network of partners who share threat intelligence.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'solidarity COMMAND --help' for a command's options; man solidarity for more.\n");
}

int
main(int argc, char **argv)
{
    cli_globals.data_dir = getenv("SOLIDARITY_DATA");
    if (!cli_globals.data_dir || !*cli_globals.data_dir)
        cli_globals.data_dir = "./solidarity-data";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            cli_globals.data_dir = argv[++i];
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            cli_globals.data_dir = argv[i] + 7;
        } else if (strcmp(argv[i], "--json") == 0) {
            cli_globals.json = true;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            cli_globals.quiet = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("solidarity %s\n", SOLIDARITY_VERSION);
            return CLI_OK;
        } else {
            cli_error("usage", "unknown option '%s'", argv[i]);
            usage(stderr);
            return CLI_ERR;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_ERR;
    }
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
        if (strcmp(argv[i], commands[k].name) == 0)
            return commands[k].run(argc - i, argv + i);
    cli_error("usage", "unknown command '%s'", argv[i]);
    usage(stderr);
    return CLI_ERR;
}
