/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sample NPI's id as a Windows NMR module writes it, for the
 * Windows-style samples: DEFINE_GUID() declares it here, and each module
 * defines it by defining INITGUID before it includes this header.  It has
 * the value of NMR_SAMPLE_NPI_ID (nmr_sample_npi.h), so the
 * Windows-style samples and the native ones bind to each other.
 */
#ifndef _NMR_SAMPLE_NPI_WIN_H
#define _NMR_SAMPLE_NPI_WIN_H

#include <nmr/netioddk.h>

/* {78cab5c3-128f-45b3-a59c-547c8475f33d}, NMR_SAMPLE_NPI_ID */
DEFINE_GUID(NPI_SAMPLE_ID,
	    0x78cab5c3, 0x128f, 0x45b3, 0xa5, 0x9c, 0x54, 0x7c, 0x84, 0x75, 0xf3, 0x3d);

#endif /* _NMR_SAMPLE_NPI_WIN_H */
