// SPDX-License-Identifier: GPL-2.0
/* The nmr:* tracepoints' definitions; see nmr_trace.h. */
#define CREATE_TRACE_POINTS
#include "nmr_trace.h"
