/* SPDX-License-Identifier: GPL-2.0 */
/*
 * my_npi.h - the interface (NPI) between my_provider and my_client.
 *
 * An NPI is a contract between the modules that provide it and the modules
 * that use it.  NMR only matches the two sides by the NPI's GUID; everything
 * else (the dispatch tables, what each function does, in which context it
 * may be called) is defined here, in a header both sides include.
 */
#ifndef _MY_NPI_H
#define _MY_NPI_H

#include <linux/uuid.h>

/* {2f1b4c9e-5d7a-4e38-9b61-0c8d3a7e5f24}: make your own with uuidgen. */
#define MY_NPI_ID \
	GUID_INIT(0x2f1b4c9e, 0x5d7a, 0x4e38, 0x9b, 0x61, 0x0c, 0x8d, 0x3a, 0x7e, 0x5f, 0x24)

/**
 * struct my_npi_provider_dispatch - what a provider of the NPI offers
 * @add: returns @a + @b; may be called in any context.
 *
 * A client calls these with the provider binding context it was given.
 */
struct my_npi_provider_dispatch {
	int (*add)(void *provider_binding_context, int a, int b);
};

#endif /* _MY_NPI_H */
