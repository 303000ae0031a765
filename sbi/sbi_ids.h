/* SPDX-License-Identifier: MIT */
/*
 * SBI extension and function IDs, and the standard error codes: every
 * constant of the RISC-V Supervisor Binary Interface that Cairn uses, in one
 * place. Numbers are from the SBI specification v2.0: §3 (binary encoding
 * and error codes), §4 (base), §5 (legacy), §6 (TIME), §9 (HSM), §10 (SRST),
 * §12 (DBCN).
 */
#ifndef CAIRN_SBI_IDS_H
#define CAIRN_SBI_IDS_H

/* §3, table 1: standard SBI errors, returned in a0. */
#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8

/* §5: legacy extensions (EID is the function; no FID, no error pair). */
#define SBI_EXT_LEGACY_SET_TIMER       0x00
#define SBI_EXT_LEGACY_CONSOLE_PUTCHAR 0x01
#define SBI_EXT_LEGACY_CONSOLE_GETCHAR 0x02
#define SBI_EXT_LEGACY_SHUTDOWN        0x08

/* §4: base extension. */
#define SBI_EXT_BASE              0x10
#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID      1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXTENSION  3
#define SBI_BASE_GET_MVENDORID    4
#define SBI_BASE_GET_MARCHID      5
#define SBI_BASE_GET_MIMPID       6

/* §6: timer extension "TIME". */
#define SBI_EXT_TIME       0x54494D45
#define SBI_TIME_SET_TIMER 0

/* §9: hart state management "HSM". */
#define SBI_EXT_HSM             0x48534D
#define SBI_HSM_HART_START      0
#define SBI_HSM_HART_STOP       1
#define SBI_HSM_HART_GET_STATUS 2
#define SBI_HSM_HART_SUSPEND    3

/* §9.2, table: hart states returned by HART_GET_STATUS. */
#define SBI_HSM_STATE_STARTED       0
#define SBI_HSM_STATE_STOPPED       1
#define SBI_HSM_STATE_START_PENDING 2
#define SBI_HSM_STATE_STOP_PENDING  3
#define SBI_HSM_STATE_SUSPENDED     4

/* §10: system reset "SRST". */
#define SBI_EXT_SRST                   0x53525354
#define SBI_SRST_SYSTEM_RESET          0
#define SBI_SRST_TYPE_SHUTDOWN         0
#define SBI_SRST_TYPE_COLD_REBOOT      1
#define SBI_SRST_TYPE_WARM_REBOOT      2
#define SBI_SRST_REASON_NONE           0
#define SBI_SRST_REASON_SYSTEM_FAILURE 1

/* §12: debug console "DBCN" (SBI v2.0; absent from OpenSBI 1.1). */
#define SBI_EXT_DBCN                0x4442434E
#define SBI_DBCN_CONSOLE_WRITE      0
#define SBI_DBCN_CONSOLE_READ       1
#define SBI_DBCN_CONSOLE_WRITE_BYTE 2

#endif
