#ifndef BENEFIT_CPOSTGRES_SHIM_H
#define BENEFIT_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
