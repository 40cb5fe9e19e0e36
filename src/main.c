/* motcua: one binary for the whole platform. main dispatches to the
 * subcommands in src/cli/. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_report.h"
#include "cli/cmd_tsa.h"

#define MOTCUA_VERSION "0.1.0"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"init", cmd_init, "create a data directory (database, reference data, --demo data)"},
    {"serve", cmd_serve, "run the web server"},
    {"calendar", cmd_calendar, "working-day calendar: holidays, appointment dates"},
    {"user", cmd_user, "add and list accounts"},
    {"unit", cmd_unit, "import and list units"},
    {"audit", cmd_audit, "verify the audit log's hash chain"},
    {"key", cmd_key, "signing keys and certificates: import, list, revoke, trust roots"},
    {"pdf", cmd_pdf, "sign a PDF (PAdES) and verify its signatures"},
    {"render", cmd_render, "print a register of documents (Decree 30/2020) as PDF, XLSX, CSV"},
    {"document", cmd_document, "print a unit's register of documents from the database"},
    {"edxml", cmd_edxml, "edXML envelopes between units: parse, sign, verify their signature"},
    {"directory", cmd_directory, "the signed directory of exchange nodes: sign, verify, install, look up"},
    {"exchange", cmd_exchange, "between nodes: this server's node id; data-sharing services"},
    {"routes", cmd_routes, "print the HTTP API routes"},
    {"report", cmd_report, "figures of a unit and period (JSON, CSV, XLSX); rebuild counters"},
    {"tsa", cmd_tsa, "ask a Time-Stamping Authority for a token over a file; check one"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: motcua COMMAND [OPTIONS]   (motcua COMMAND --help for details)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "  %-9s %s\n", "version", "print the version");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("motcua %s\n", MOTCUA_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "motcua: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
