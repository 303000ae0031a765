/* SPDX-License-Identifier: MIT */
/*
 * First boot: start the domains the image marks to run (docs/image-format.md,
 * "the boot node").
 */
#ifndef CAIRN_KERN_BOOT_IMAGE_H
#define CAIRN_KERN_BOOT_IMAGE_H

/* Returns the number of domains started. */
unsigned boot_start_image(void);

#endif
