/* app: shared server state. */
#include "app.h"

#include <stdio.h>

#include "base/util.h"

int app_set_data_dir(struct app *app, const char *dir)
{
    if (copy_str(app->data_dir, sizeof app->data_dir, dir))
        return -1;
    snprintf(app->db_path, sizeof app->db_path, "%s/motcua.db", dir);
    snprintf(app->files_dir, sizeof app->files_dir, "%s/files", dir);
    return 0;
}
