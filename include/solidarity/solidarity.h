/*
 * solidarity.h — the umbrella header of libsolidarity.
 */
#ifndef SOLIDARITY_H
#define SOLIDARITY_H

#include "solidarity/api.h"
#include "solidarity/alloc.h"
#include "solidarity/error.h"
#include "solidarity/util.h"
#include "solidarity/json.h"

#endif
