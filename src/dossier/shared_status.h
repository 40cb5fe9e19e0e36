/* shared_status: the data-sharing service "dossier-status" (the status of
 * a one-stop dossier by its code, as the public lookup shows it), offered
 * to other nodes through exchange/sharing. */
#ifndef MOTCUA_DOSSIER_SHARED_STATUS_H
#define MOTCUA_DOSSIER_SHARED_STATUS_H

#include "exchange/sharing.h"

/* params {code}; result: dossier_lookup_json's object. A dossier of
 * another unit, or none: DERR_NOT_FOUND "not_found". */
extern const struct sharing_service dossier_status_service;

#endif
