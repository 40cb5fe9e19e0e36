/* dossier_access: the one place that decides who sees which dossier. */
#include "http/dossier_access.h"

#include "auth/permission.h"
#include "dossier/dossier.h"
#include "dossier/status.h"
#include "http/http.h"
#include "http/router.h"
#include "store/store.h"

static int refuse(struct req *r, int rc)
{
    if (rc < 0)
        reply_internal(r, "dossier lookup failed");
    else
        reply_error(r, 404, "not_found", "Không tìm thấy hồ sơ", NULL);
    return -1;
}

int own_dossier_or_reply(struct req *r, struct dossier *d, int access)
{
    int rc = dossier_find(r->db, req_param(r, "id"), r->account.id, d);
    if (rc == STORE_ROW && (d->code[0] || (access & ACCESS_DRAFTS)))
        return 0;
    return refuse(r, rc == STORE_ROW ? 0 : rc);
}

int staff_dossier_or_reply(struct req *r, struct dossier *d, int access)
{
    int rc = dossier_find(r->db, req_param(r, "id"), 0, d);
    if (rc == STORE_ROW && !d->code[0] && (access & ACCESS_DRAFTS) &&
        d->received_by == r->account.id)
        return 0; /* the walk-in this officer is registering */
    if (rc == STORE_ROW && d->code[0]) {
        rc = permission_sees(r->db, r->account.id, d->unit_id, d->current_unit_id);
        if (rc == 1)
            return 0;
    }
    return refuse(r, rc == STORE_ROW ? 0 : rc);
}

int dossier_or_reply(struct req *r, struct dossier *d, int access)
{
    return r->route->flags & ROUTE_STAFF ? staff_dossier_or_reply(r, d, access)
                                         : own_dossier_or_reply(r, d, access);
}

int result_visible_or_reply(struct req *r, const struct dossier *d)
{
    if (r->route->flags & ROUTE_STAFF || d->status_code == STATUS_RETURNED)
        return 0;
    reply_error(r, 409, "no_result", "Kết quả chưa được trả", NULL);
    return -1;
}

int staff_may_edit_results(struct req *r, const struct dossier *d)
{
    return permission_can(r->db, r->account.id, "dossier.process", d->current_unit_id) == 1 ||
           permission_can(r->db, r->account.id, "dossier.approve", d->current_unit_id) == 1;
}
