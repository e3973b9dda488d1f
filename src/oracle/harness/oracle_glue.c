/*
 * probediff oracle harness: runs the virtio-pci probe code of a kernel tree (compiled from the tree,
 * see src/oracle/build.ts) on config spaces read from stdin, one JSON result line per case on stdout.
 *
 * Input, one case (lines, any order between `case` and `end`):
 *   case ID
 *   bdf 0000:00:03.0
 *   force_legacy 0|1
 *   bar N START LEN FLAGS        hex START/LEN, FLAGS io|mem|mem64|none (+",pref"); `?` = unknown
 *   inject reqfail=MASK mapfail=MASK dma64=fail dma32=fail
 *   cfg HEX                      4096 bytes as 8192 hex digits, `??` for an unknown byte
 *   queues OFF...                queue_notify_off of queue 0, 1, ... (hex u16); optional
 *   end
 * Output: {"id":..,"rc":"EINVAL","errno":-22,"transport":..,"messages":[{"level":..,"text":..}],
 *          "mappings":[..],"requests":[..],"reads":[[off,width],..],"attempts":[..],...}
 * A config read of an unknown byte or a pci_resource_*() of an unknown BAR fact ends the case as
 * rc "undetermined" with the offsets / BARs; a cyclic capability list (read budget) ends it as "hang".
 * With `queues`, after a successful modern probe the tree's own vp_modern_map_vq_notify (where the
 * tree has it) runs for each queue, reading queue_notify_off from the common config as the device
 * would answer it; per queue: mapped or not, its messages and mappings ("queues":[..]).
 * This file is written for probediff; it contains no kernel code.
 */
#include "oracle_kernel.h"
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ORACLE_DRIVER_NAME
#define ORACLE_DRIVER_NAME "virtio-pci"
#endif
#define CFG_SIZE 4096
#define READ_BUDGET 20000
#define MAX_EVENTS 256
#define MAX_MSG 256 /* the probe's and up to MAX_QUEUES queues' */
#define MSG_LEN 512
#define MAX_QUEUES 64

/* ---- the kernel functions under test, and the glue around them ---- */
int oracle_virtio_pci_probe(struct pci_dev *pci_dev);
extern const struct pci_device_id *const oracle_virtio_pci_id_table;
void oracle_report_probe_result(struct device *dev, const struct device_driver *drv, int ret);
int __real_virtio_pci_modern_probe(void *vp_dev);
int __real_virtio_pci_legacy_probe(void *vp_dev);
void __iomem *__real_pci_iomap_range(struct pci_dev *dev, int bar, unsigned long offset, unsigned long maxlen);

/* Names the extracted kernel code refers to but that only matter after probe; never called. */
bool force_legacy;
const struct virtio_config_ops virtio_pci_config_ops;
const struct virtio_config_ops virtio_pci_config_nodev_ops;
void virtio_pci_release_dev(void) { abort(); }
void setup_vq(void) { abort(); }
void del_vq(void) { abort(); }
void vp_config_vector(void) { abort(); }
void vp_avq_index(void) { abort(); }
/* Defined by the modern unit's epilogue (recipe.ts) when the tree has vp_modern_map_vq_notify. */
void __iomem *oracle_map_vq_notify(struct virtio_device *vdev, unsigned short index, const volatile void **common,
				   int *select_off, int *notify_off_off) __attribute__((weak));

/* ---- one case ---- */
enum fact { KNOWN = 0, UNKNOWN = 1 };
struct bar_in {
	u64 start, len;
	unsigned long flags;
	bool start_unknown, len_unknown, flags_unknown;
};
struct case_in {
	char id[128];
	char bdf[32];
	u8 cfg[CFG_SIZE];
	u8 unknown[CFG_SIZE];
	struct bar_in bar[6];
	bool force_legacy;
	unsigned reqfail, mapfail;
	bool dma64_fail, dma32_fail;
	int n_queues;
	u16 queue_notify_off[MAX_QUEUES];
};
struct mapping_ev { int bar; u64 offset, maxlen, length; bool ok, io; };
struct request_ev { int bar; u64 start, len; bool ok, io; };
struct read_ev { int offset, width; };
struct message { int level; char text[MSG_LEN]; };
struct attempt { const char *probe; int rc; };
struct held { u64 start, len; bool io; };
struct queue_ev { int index; bool mapped; int msg_from, msg_to, map_from, map_to; };

struct case_state {
	struct case_in *in;
	struct pci_dev pdev;
	struct pci_bus bus;
	struct device_driver drv;
	struct bus_type pci_bus_type;
	struct read_ev reads[MAX_EVENTS]; int n_reads; long read_count;
	struct mapping_ev maps[MAX_EVENTS]; int n_maps;
	struct request_ev reqs[MAX_EVENTS]; int n_reqs;
	struct held held[32]; int n_held;
	struct message msgs[MAX_MSG]; int n_msgs;
	struct attempt attempts[4]; int n_attempts;
	int pending_map_bar; u64 pending_map_offset, pending_map_maxlen;
	void *allocs[64]; int n_allocs;
	int undetermined_offsets[16]; int n_undet_off;
	int undetermined_bars[6]; int n_undet_bars;
	int ss_vendor_off, ss_device_off;
	/* The per-queue notify mapping: probe's messages / mappings end where the queues' begin. */
	int n_probe_msgs, n_probe_maps;
	struct queue_ev queues[MAX_QUEUES]; int n_queues;
	const volatile void *common; int select_off, notify_off_off; unsigned selected; bool io_open;
};
static struct case_state *S;
static sigjmp_buf case_exit;
enum exit_kind { EXIT_NONE = 0, EXIT_UNDETERMINED = 1, EXIT_HANG = 2 };

static void fail_input(const char *what, long line)
{
	fprintf(stderr, "oracle-harness: line %ld: %s\n", line, what);
	exit(2);
}

/* ---- allocation (freed at the end of each case, also after a longjmp) ---- */
void *oracle_kzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (p && S->n_allocs < 64) S->allocs[S->n_allocs++] = p;
	return p;
}
void oracle_kfree(const void *p)
{
	for (int i = 0; i < S->n_allocs; i++)
		if (S->allocs[i] == p) {
			free(S->allocs[i]);
			S->allocs[i] = S->allocs[--S->n_allocs];
			return;
		}
}

/* ---- config space ---- */
static void config_read(int where, int width, u32 *val)
{
	if (++S->read_count > READ_BUDGET) siglongjmp(case_exit, EXIT_HANG);
	if (S->n_reads < MAX_EVENTS) S->reads[S->n_reads++] = (struct read_ev){where, width};
	u32 v = 0;
	for (int i = 0; i < width; i++) {
		int off = where + i;
		if (off >= CFG_SIZE || S->in->unknown[off]) {
			for (int k = 0; k < width; k++)
				if (where + k < CFG_SIZE && S->in->unknown[where + k] && S->n_undet_off < 16)
					S->undetermined_offsets[S->n_undet_off++] = where + k;
			siglongjmp(case_exit, EXIT_UNDETERMINED);
		}
		v |= (u32)S->in->cfg[off] << (8 * i);
	}
	*val = v;
}
/* The PCI core refuses misaligned word/dword accesses without touching the value. */
#define ORACLE_CFG_READ(name, type, width, align_mask)                                   \
	int name(struct pci_bus *bus, unsigned int devfn, int where, type *val)           \
	{                                                                                 \
		(void)bus; (void)devfn;                                                   \
		if (where & (align_mask)) return PCIBIOS_BAD_REGISTER_NUMBER;             \
		u32 v; config_read(where, width, &v); *val = (type)v;                     \
		return 0;                                                                 \
	}
ORACLE_CFG_READ(pci_bus_read_config_byte, u8, 1, 0)
ORACLE_CFG_READ(pci_bus_read_config_word, u16, 2, 1)
ORACLE_CFG_READ(pci_bus_read_config_dword, u32, 4, 3)
int pci_read_config_byte(const struct pci_dev *dev, int where, u8 *val) { return pci_bus_read_config_byte(dev->bus, dev->devfn, where, val); }
int pci_read_config_word(const struct pci_dev *dev, int where, u16 *val) { return pci_bus_read_config_word(dev->bus, dev->devfn, where, val); }
int pci_read_config_dword(const struct pci_dev *dev, int where, u32 *val) { return pci_bus_read_config_dword(dev->bus, dev->devfn, where, val); }
int pci_write_config_byte(const struct pci_dev *dev, int where, u8 val) { (void)dev; (void)where; (void)val; return 0; }
int pci_write_config_word(const struct pci_dev *dev, int where, u16 val) { (void)dev; (void)where; (void)val; return 0; }
int pci_write_config_dword(const struct pci_dev *dev, int where, u32 val) { (void)dev; (void)where; (void)val; return 0; }

/* ---- BAR facts ---- */
static void need_bar_fact(int bar, bool unknown)
{
	if (!unknown) return;
	for (int i = 0; i < S->n_undet_bars; i++)
		if (S->undetermined_bars[i] == bar) siglongjmp(case_exit, EXIT_UNDETERMINED);
	if (S->n_undet_bars < 6) S->undetermined_bars[S->n_undet_bars++] = bar;
	siglongjmp(case_exit, EXIT_UNDETERMINED);
}
resource_size_t oracle_resource_start(const struct pci_dev *dev, int bar)
{
	(void)dev;
	if (bar < 0 || bar >= 6) return 0;
	need_bar_fact(bar, S->in->bar[bar].start_unknown);
	return S->in->bar[bar].start;
}
resource_size_t oracle_resource_len(const struct pci_dev *dev, int bar)
{
	(void)dev;
	if (bar < 0 || bar >= 6) return 0;
	need_bar_fact(bar, S->in->bar[bar].len_unknown);
	return S->in->bar[bar].len;
}
unsigned long oracle_resource_flags(const struct pci_dev *dev, int bar)
{
	(void)dev;
	if (bar < 0 || bar >= 6) return 0;
	need_bar_fact(bar, S->in->bar[bar].flags_unknown);
	return S->in->bar[bar].flags;
}
/* Which BAR an address belongs to (inputs never have overlapping BARs of one type). */
static int bar_of(u64 addr, bool io)
{
	for (int i = 0; i < 6; i++) {
		const struct bar_in *b = &S->in->bar[i];
		if (b->start_unknown || b->len_unknown || b->flags_unknown || !b->len) continue;
		if (!!(b->flags & IORESOURCE_IO) != io) continue;
		if (addr >= b->start && addr - b->start < b->len) return i;
	}
	return -1;
}

/* ---- regions ---- */
struct resource *oracle_request_region(resource_size_t start, resource_size_t n, const char *name, int io)
{
	(void)name;
	static struct resource granted;
	int bar = bar_of(start, io);
	bool ok = !(bar >= 0 && (S->in->reqfail & (1u << bar)));
	for (int i = 0; ok && i < S->n_held; i++)
		if (S->held[i].io == !!io && start < S->held[i].start + S->held[i].len && S->held[i].start < start + n) ok = false;
	if (S->n_reqs < MAX_EVENTS) S->reqs[S->n_reqs++] = (struct request_ev){bar, start, n, ok, !!io};
	if (!ok) return NULL;
	if (S->n_held < 32) S->held[S->n_held++] = (struct held){start, n, !!io};
	return &granted;
}
void oracle_release_region(resource_size_t start, resource_size_t n, int io)
{
	for (int i = 0; i < S->n_held; i++)
		if (S->held[i].start == start && S->held[i].len == n && S->held[i].io == !!io) {
			S->held[i] = S->held[--S->n_held];
			return;
		}
}
int pcim_request_region(struct pci_dev *pdev, int bar, const char *name) { (void)pdev; (void)bar; (void)name; abort(); }
int pcim_request_region_exclusive(struct pci_dev *pdev, int bar, const char *name) { (void)pdev; (void)bar; (void)name; abort(); }
void pcim_release_region(struct pci_dev *pdev, int bar) { (void)pdev; (void)bar; abort(); }
void *devres_find(struct device *dev, dr_release_t release, void *match, void *match_data) { (void)dev; (void)release; (void)match; (void)match_data; return NULL; }
void *devres_alloc(dr_release_t release, size_t size, gfp_t gfp) { (void)release; (void)size; (void)gfp; abort(); }
void devres_add(struct device *dev, void *res) { (void)dev; (void)res; abort(); }
void devres_free(void *res) { (void)res; abort(); }
void pci_clear_mwi(struct pci_dev *dev) { (void)dev; abort(); }
void pci_intx(struct pci_dev *dev, int enable) { (void)dev; (void)enable; abort(); }
void pci_disable_msi(struct pci_dev *dev) { (void)dev; abort(); }
void pci_disable_msix(struct pci_dev *dev) { (void)dev; abort(); }

/* ---- mappings ---- */
void __iomem *__wrap_pci_iomap_range(struct pci_dev *dev, int bar, unsigned long offset, unsigned long maxlen)
{
	int saved_bar = S->pending_map_bar;
	S->pending_map_bar = bar;
	S->pending_map_offset = offset;
	S->pending_map_maxlen = maxlen;
	int before = S->n_maps;
	void __iomem *p = __real_pci_iomap_range(dev, bar, offset, maxlen);
	if (S->n_maps == before && S->n_maps < MAX_EVENTS) /* refused before ioremap: length/offset/start */
		S->maps[S->n_maps++] = (struct mapping_ev){bar, offset, maxlen, 0, false, false};
	S->pending_map_bar = saved_bar;
	return p;
}
static void __iomem *record_map(u64 addr, u64 len, bool io)
{
	int bar = S->pending_map_bar >= 0 ? S->pending_map_bar : bar_of(addr, io);
	u64 offset = S->pending_map_bar >= 0 ? S->pending_map_offset : 0;
	bool ok = !(bar >= 0 && (S->in->mapfail & (1u << bar)));
	if (S->n_maps < MAX_EVENTS) S->maps[S->n_maps++] = (struct mapping_ev){bar, offset, S->pending_map_maxlen, len, ok, io};
	if (!ok) return NULL;
	/* A cookie that is never dereferenced: distinct per mapping, never NULL. */
	return (void __iomem *)(uintptr_t)(0x100000 + 0x1000 * (uintptr_t)S->n_maps);
}
void __iomem *ioremap(resource_size_t offset, unsigned long size) { return record_map(offset, size, false); }
void __iomem *ioport_map(unsigned long port, unsigned int nr) { return record_map(port, nr, true); }
void iounmap(volatile void __iomem *addr) { (void)addr; }
void ioport_unmap(void __iomem *addr) { (void)addr; }
void pci_iounmap(struct pci_dev *dev, void __iomem *addr) { (void)dev; (void)addr; }
/* Only the common config's queue_select (write) and queue_notify_off (read), while a queue is mapped. */
unsigned int oracle_io_access(const volatile void *addr, int width, int write, unsigned int value)
{
	if (!S->io_open || !S->common || width != 2) abort();
	long off = (const volatile u8 *)addr - (const volatile u8 *)S->common;
	if (write && off == S->select_off) { S->selected = value & 0xffff; return 0; }
	if (!write && off == S->notify_off_off && S->selected < (unsigned)S->in->n_queues) return S->in->queue_notify_off[S->selected];
	abort();
}

/* ---- DMA ---- */
static int dma_mask_result(u64 mask)
{
	if (mask > DMA_BIT_MASK(32)) return S->in->dma64_fail ? -EIO : 0;
	return S->in->dma32_fail ? -EIO : 0;
}
int dma_set_mask(struct device *dev, u64 mask) { (void)dev; return dma_mask_result(mask); }
int dma_set_coherent_mask(struct device *dev, u64 mask) { (void)dev; return dma_mask_result(mask); }
int dma_set_mask_and_coherent(struct device *dev, u64 mask) { (void)dev; return dma_mask_result(mask); }

/* ---- the rest of the device model ---- */
int pci_enable_device(struct pci_dev *dev) { (void)dev; return 0; }
void pci_disable_device(struct pci_dev *dev) { (void)dev; }
void pci_set_master(struct pci_dev *dev) { (void)dev; }
void put_device(struct device *dev) { (void)dev; }
struct device *get_device(struct device *dev) { return dev; }
void driver_deferred_probe_add_trigger(struct device *dev, int n) { (void)dev; (void)n; }
int register_virtio_device(struct virtio_device *dev) { (void)dev; return 0; }
void unregister_virtio_device(struct virtio_device *dev) { (void)dev; }

int __wrap_virtio_pci_modern_probe(void *vp_dev)
{
	int rc = __real_virtio_pci_modern_probe(vp_dev);
	if (S->n_attempts < 4) S->attempts[S->n_attempts++] = (struct attempt){"modern", rc};
	return rc;
}
int __wrap_virtio_pci_legacy_probe(void *vp_dev)
{
	int rc = __real_virtio_pci_legacy_probe(vp_dev);
	if (S->n_attempts < 4) S->attempts[S->n_attempts++] = (struct attempt){"legacy", rc};
	return rc;
}

/* ---- printk: the kernel's formats, including %pR ---- */
static size_t format_resource(char *out, size_t cap, const struct resource *r)
{
	int n;
	if (r->flags & IORESOURCE_IO)
		n = r->start != r->end ? snprintf(out, cap, "[io  0x%04llx-0x%04llx", (unsigned long long)r->start, (unsigned long long)r->end)
				       : snprintf(out, cap, "[io  0x%04llx", (unsigned long long)r->start);
	else if (r->flags & IORESOURCE_MEM)
		n = r->start != r->end ? snprintf(out, cap, "[mem 0x%08llx-0x%08llx", (unsigned long long)r->start, (unsigned long long)r->end)
				       : snprintf(out, cap, "[mem 0x%08llx", (unsigned long long)r->start);
	else
		n = snprintf(out, cap, "[??? 0x%08llx-0x%08llx flags 0x%lx", (unsigned long long)r->start, (unsigned long long)r->end, r->flags);
	size_t len = n > 0 ? (size_t)n : 0;
	if (r->flags & (IORESOURCE_IO | IORESOURCE_MEM)) {
		if (r->flags & IORESOURCE_MEM_64) len += snprintf(out + len, cap > len ? cap - len : 0, " 64bit");
		if (r->flags & IORESOURCE_PREFETCH) len += snprintf(out + len, cap > len ? cap - len : 0, " pref");
		if (r->flags & IORESOURCE_DISABLED) len += snprintf(out + len, cap > len ? cap - len : 0, " disabled");
	}
	len += snprintf(out + len, cap > len ? cap - len : 0, "]");
	return len;
}

static void kernel_vformat(char *out, size_t cap, const char *fmt, va_list ap)
{
	size_t len = 0;
	char spec[32];
	out[0] = 0;
	for (const char *p = fmt; *p && len + 1 < cap; ) {
		if (*p != '%') { out[len++] = *p++; out[len] = 0; continue; }
		if (p[1] == '%') { out[len++] = '%'; out[len] = 0; p += 2; continue; }
		const char *s = p++;
		while (*p && strchr("-+ #0", *p)) p++;
		while (*p >= '0' && *p <= '9') p++;
		if (*p == '.') { p++; while (*p >= '0' && *p <= '9') p++; }
		char lenmod[3] = {0};
		if (*p == 'h' || *p == 'l' || *p == 'z' || *p == 'j' || *p == 't') {
			lenmod[0] = *p++;
			if ((lenmod[0] == 'h' || lenmod[0] == 'l') && *p == lenmod[0]) lenmod[1] = *p++;
		}
		char conv = *p ? *p++ : 0;
		size_t speclen = (size_t)(p - s) < sizeof(spec) - 1 ? (size_t)(p - s) : sizeof(spec) - 1;
		memcpy(spec, s, speclen);
		spec[speclen] = 0;
		size_t room = cap - len;
		int n = 0;
		if (conv == 'p') {
			void *ptr = va_arg(ap, void *);
			if (*p == 'R' || *p == 'r') { p++; n = (int)format_resource(out + len, room, ptr); }
			else { while (*p && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) p++; n = snprintf(out + len, room, "%p", ptr); }
		} else if (conv == 's') {
			n = snprintf(out + len, room, spec, va_arg(ap, const char *));
		} else if (conv == 'c') {
			n = snprintf(out + len, room, spec, va_arg(ap, int));
		} else if (strchr("diuxXo", conv)) {
			bool sgn = conv == 'd' || conv == 'i';
			if (lenmod[0] == 'l' && lenmod[1] == 'l') n = sgn ? snprintf(out + len, room, spec, va_arg(ap, long long)) : snprintf(out + len, room, spec, va_arg(ap, unsigned long long));
			else if (lenmod[0] == 'l' || lenmod[0] == 'z' || lenmod[0] == 'j' || lenmod[0] == 't') n = sgn ? snprintf(out + len, room, spec, va_arg(ap, long)) : snprintf(out + len, room, spec, va_arg(ap, unsigned long));
			else n = sgn ? snprintf(out + len, room, spec, va_arg(ap, int)) : snprintf(out + len, room, spec, va_arg(ap, unsigned int));
		} else {
			n = snprintf(out + len, room, "%s", spec);
		}
		if (n > 0) len += (size_t)n < room ? (size_t)n : room - 1;
	}
	out[len < cap ? len : cap - 1] = 0;
}

static void add_message(int level, const char *prefix, const char *fmt, va_list ap)
{
	if (S->n_msgs >= MAX_MSG) return;
	struct message *m = &S->msgs[S->n_msgs++];
	m->level = level;
	size_t pl = strlen(prefix);
	snprintf(m->text, MSG_LEN, "%s", prefix);
	kernel_vformat(m->text + pl, MSG_LEN - pl, fmt, ap);
	size_t l = strlen(m->text);
	if (l && m->text[l - 1] == '\n') m->text[l - 1] = 0;
}
static int parse_level(const char **fmt)
{
	int level = 4; /* printk without a level: default_message_loglevel */
	while ((*fmt)[0] == '\001' && (*fmt)[1]) {
		if ((*fmt)[1] >= '0' && (*fmt)[1] <= '7') level = (*fmt)[1] - '0';
		*fmt += 2;
	}
	return level;
}
int printk(const char *fmt, ...)
{
	int level = parse_level(&fmt);
	va_list ap;
	va_start(ap, fmt);
	add_message(level, "", fmt, ap);
	va_end(ap);
	return 0;
}
void oracle_dev_printk(const char *lvl, const struct device *dev, const char *fmt, ...)
{
	int level = parse_level(&lvl);
	char prefix[160];
	const char *drv = dev->driver ? dev->driver->name : dev->bus ? dev->bus->name : "";
	snprintf(prefix, sizeof prefix, "%s %s: ", drv, dev_name(dev));
	va_list ap;
	va_start(ap, fmt);
	add_message(level, prefix, fmt, ap);
	va_end(ap);
}

/* ---- output ---- */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
		else putchar(c);
	}
	putchar('"');
}
static const char *errno_name(int rc)
{
	switch (rc) {
	case 0: return "0";
	case -ENOENT: return "ENOENT";
	case -EIO: return "EIO";
	case -ENXIO: return "ENXIO";
	case -ENOMEM: return "ENOMEM";
	case -EBUSY: return "EBUSY";
	case -ENODEV: return "ENODEV";
	case -EINVAL: return "EINVAL";
	case -ENOSPC: return "ENOSPC";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "EUNKNOWN";
	}
}
static const char *level_name(int level)
{
	return level <= 3 ? "err" : level == 4 ? "warn" : level <= 6 ? "info" : "debug";
}

struct outcome {
	enum exit_kind exit;
	int rc;
	const char *transport;
	long virtio_id; /* -1 unknown */
	const char *config_ops;
	bool matched; /* the driver's id table matched: virtio_pci_probe ran */
};

static void print_messages(const struct case_state *st, int from, int to)
{
	for (int i = from; i < to; i++) {
		printf("%s{\"level\":\"%s\",\"text\":", i > from ? "," : "", level_name(st->msgs[i].level));
		json_string(st->msgs[i].text);
		putchar('}');
	}
}
static void print_mappings(const struct case_state *st, int from, int to)
{
	for (int i = from; i < to; i++) {
		const struct mapping_ev *m = &st->maps[i];
		printf("%s{\"bar\":%d,\"offset\":%llu,\"maxlen\":%llu,\"length\":%llu,\"ok\":%s}", i > from ? "," : "", m->bar,
		       (unsigned long long)m->offset, (unsigned long long)m->maxlen, (unsigned long long)m->length, m->ok ? "true" : "false");
	}
}

static void print_result(const struct case_state *st, const struct outcome *o)
{
	printf("{\"id\":");
	json_string(st->in->id);
	if (o->exit == EXIT_UNDETERMINED) printf(",\"rc\":\"undetermined\"");
	else if (o->exit == EXIT_HANG) printf(",\"rc\":\"hang\"");
	else printf(",\"rc\":\"%s\",\"errno\":%d", errno_name(o->rc), o->rc);
	printf(",\"transport\":\"%s\"", o->transport);
	if (o->virtio_id >= 0) printf(",\"virtioDeviceId\":%ld", o->virtio_id);
	if (o->config_ops) printf(",\"configOps\":\"%s\"", o->config_ops);
	if (!o->matched) printf(",\"driverMatched\":false");
	printf(",\"messages\":[");
	print_messages(st, 0, st->n_probe_msgs >= 0 ? st->n_probe_msgs : st->n_msgs);
	printf("],\"mappings\":[");
	print_mappings(st, 0, st->n_probe_maps >= 0 ? st->n_probe_maps : st->n_maps);
	printf("],\"requests\":[");
	for (int i = 0; i < st->n_reqs; i++) {
		const struct request_ev *r = &st->reqs[i];
		printf("%s{\"bar\":%d,\"start\":%llu,\"len\":%llu,\"io\":%s,\"ok\":%s}", i ? "," : "", r->bar, (unsigned long long)r->start,
		       (unsigned long long)r->len, r->io ? "true" : "false", r->ok ? "true" : "false");
	}
	printf("],\"attempts\":[");
	for (int i = 0; i < st->n_attempts; i++)
		printf("%s{\"probe\":\"%s\",\"rc\":\"%s\"}", i ? "," : "", st->attempts[i].probe, errno_name(st->attempts[i].rc));
	printf("],\"reads\":[");
	for (int i = 0; i < st->n_reads; i++) printf("%s[%d,%d]", i ? "," : "", st->reads[i].offset, st->reads[i].width);
	printf("]");
	if (st->n_probe_msgs >= 0 && o->exit == EXIT_NONE) {
		printf(",\"queues\":[");
		for (int i = 0; i < st->n_queues; i++) {
			const struct queue_ev *q = &st->queues[i];
			printf("%s{\"index\":%d,\"notifyOff\":%u,\"mapped\":%s,\"messages\":[", i ? "," : "", q->index,
			       st->in->queue_notify_off[q->index], q->mapped ? "true" : "false");
			print_messages(st, q->msg_from, q->msg_to);
			printf("],\"mappings\":[");
			print_mappings(st, q->map_from, q->map_to);
			printf("]}");
		}
		printf("]");
	}
	if (o->exit == EXIT_UNDETERMINED) {
		printf(",\"undeterminedOffsets\":[");
		for (int i = 0; i < st->n_undet_off; i++) printf("%s%d", i ? "," : "", st->undetermined_offsets[i]);
		printf("],\"undeterminedBars\":[");
		for (int i = 0; i < st->n_undet_bars; i++) printf("%s%d", i ? "," : "", st->undetermined_bars[i]);
		printf("]");
	}
	printf("}\n");
}

/* ---- driver matching (drivers/pci/pci-driver.c semantics, rebuilt: the id table is the tree's) ---- */
static bool id_table_matches(const struct pci_dev *d)
{
	for (const struct pci_device_id *id = oracle_virtio_pci_id_table; id->vendor || id->subvendor || id->class_mask; id++) {
		if ((id->vendor == (u32)PCI_ANY_ID || id->vendor == d->vendor) &&
		    (id->device == (u32)PCI_ANY_ID || id->device == d->device) &&
		    (id->subvendor == (u32)PCI_ANY_ID || id->subvendor == d->subsystem_vendor) &&
		    (id->subdevice == (u32)PCI_ANY_ID || id->subdevice == d->subsystem_device) &&
		    !((id->class ^ d->class) & id->class_mask))
			return true;
	}
	return false;
}

/* ---- running one case ---- */
static void on_alarm(int sig) { (void)sig; siglongjmp(case_exit, EXIT_HANG); }

/*
 * Header fields the PCI core reads at enumeration (drivers/pci/probe.c pci_setup_device, rebuilt here:
 * it is not the code under test), before any driver runs. An unknown one is given each of two values;
 * if the outcome moves, the outcome depends on it (undetermined).
 */
#define MAX_ALTS 4
struct header_field { int offset, width, n_alt; u32 alt[MAX_ALTS]; };
enum { HF_REVISION, HF_HDR_TYPE, HF_CLASS, HF_SS_VENDOR, HF_SS_DEVICE, N_HEADER_FIELDS };
static const struct header_field HEADER_FIELDS[N_HEADER_FIELDS] = {
	[HF_REVISION] = {0x08, 1, 2, {0x00, 0x01}},
	/* normal, bridge, cardbus (capability pointer, subsystem ids), unknown (device ignored) */
	[HF_HDR_TYPE] = {0x0e, 1, 4, {0x00, 0x01, 0x02, 0x03}},
	/* a PCI-bridge class on a normal header, or a non-CardBus class on a CardBus header, is "bad" */
	[HF_CLASS] = {0x0a, 2, 3, {0x0200, 0x0604, 0x0607}},
	[HF_SS_VENDOR] = {-1, 2, 2, {0x1af4, 0x0000}},  /* offset depends on the header type */
	[HF_SS_DEVICE] = {-1, 2, 2, {0x0001, 0x0002}},
};
#define PCI_CLASS_BRIDGE_PCI 0x0604
#define PCI_CLASS_BRIDGE_CARDBUS 0x0607
#define PCI_CAP_ID_SSVID_ORACLE 0x0d

static bool header_known(const struct case_in *in, int off, int width)
{
	for (int i = 0; i < width; i++)
		if (in->unknown[off + i]) return false;
	return true;
}
static u32 header_value(const struct case_in *in, int off, int width, const u32 *alt, int field)
{
	if (header_known(in, off, width)) {
		u32 v = 0;
		for (int i = 0; i < width; i++) v |= (u32)in->cfg[off + i] << (8 * i);
		return v;
	}
	return alt[field];
}

/* The notify address of every queue the case describes, as setup_vq / vp_active_vq get it. */
static void map_queues(struct case_state *st, struct virtio_device *vdev)
{
	st->n_probe_msgs = st->n_msgs;
	st->n_probe_maps = st->n_maps;
	for (int i = 0; i < st->in->n_queues; i++) {
		struct queue_ev *q = &st->queues[st->n_queues++];
		q->index = i;
		q->msg_from = st->n_msgs;
		q->map_from = st->n_maps;
		st->io_open = true;
		st->common = NULL;
		/* The epilogue stores mdev->common here before the kernel function writes queue_select. */
		void __iomem *p = oracle_map_vq_notify(vdev, (unsigned short)i, &st->common, &st->select_off, &st->notify_off_off);
		st->io_open = false;
		q->mapped = p != NULL;
		q->msg_to = st->n_msgs;
		q->map_to = st->n_maps;
	}
}

static struct outcome run_once(struct case_state *st, struct case_in *in, const u32 *alt)
{
	memset(st, 0, sizeof *st);
	st->in = in;
	st->pending_map_bar = -1;
	st->n_probe_msgs = st->n_probe_maps = -1;
	S = st;
	struct outcome o = {EXIT_NONE, 0, "none", -1, NULL, true};
	st->drv.name = ORACLE_DRIVER_NAME;
	st->pci_bus_type.name = "pci";
	struct pci_dev *d = &st->pdev;
	d->bus = &st->bus;
	d->devfn = 0;
	d->vendor = (unsigned short)header_value(in, 0x00, 2, alt, 0);
	d->device = (unsigned short)header_value(in, 0x02, 2, alt, 0);
	d->revision = (u8)header_value(in, 0x08, 1, alt, HF_REVISION);
	d->hdr_type = (u8)(header_value(in, 0x0e, 1, alt, HF_HDR_TYPE) & 0x7f);
	u32 class16 = header_value(in, 0x0a, 2, alt, HF_CLASS);
	d->class = class16 << 8 | (header_known(in, 0x09, 1) ? in->cfg[0x09] : 0);
	d->cfg_size = CFG_SIZE;
	d->dev.init_name = in->bdf;
	d->dev.bus = &st->pci_bus_type;
	for (int i = 0; i < 6; i++) {
		const struct bar_in *b = &in->bar[i];
		d->resource[i].flags = b->flags;
		d->resource[i].start = b->len ? b->start : 0;
		d->resource[i].end = b->len ? b->start + b->len - 1 : 0;
		d->resource[i].name = in->bdf;
	}
	force_legacy = in->force_legacy;
	st->ss_vendor_off = st->ss_device_off = -1;

	int kind = sigsetjmp(case_exit, 1);
	if (kind == 0) {
		alarm(5);
		/* Enumeration: where the subsystem ids come from depends on the header type. */
		if (d->hdr_type == PCI_HEADER_TYPE_NORMAL && class16 != PCI_CLASS_BRIDGE_PCI) {
			st->ss_vendor_off = 0x2c, st->ss_device_off = 0x2e;
		} else if (d->hdr_type == PCI_HEADER_TYPE_CARDBUS && class16 == PCI_CLASS_BRIDGE_CARDBUS) {
			st->ss_vendor_off = 0x40, st->ss_device_off = 0x42;
		} else if (d->hdr_type == PCI_HEADER_TYPE_BRIDGE) {
			int pos = pci_find_capability(d, PCI_CAP_ID_SSVID_ORACLE);
			if (pos) st->ss_vendor_off = pos + 4, st->ss_device_off = pos + 6;
		} else if (d->hdr_type > PCI_HEADER_TYPE_CARDBUS) {
			/* "unknown header type %02x, ignoring device": no pci_dev, no driver ever probes it. */
			alarm(0);
			o.rc = -ENODEV;
			o.matched = false;
			st->n_reads = 0;
			return o;
		}
		if (st->ss_vendor_off >= 0) {
			d->subsystem_vendor = (unsigned short)header_value(in, st->ss_vendor_off, 2, alt, HF_SS_VENDOR);
			d->subsystem_device = (unsigned short)header_value(in, st->ss_device_off, 2, alt, HF_SS_DEVICE);
		}
		st->n_reads = 0; /* only the driver's own reads are reported */
		st->read_count = 0;
		if (!id_table_matches(d)) {
			alarm(0);
			o.rc = -ENODEV;
			o.matched = false;
			return o;
		}
		d->dev.driver = &st->drv;
		int rc = oracle_virtio_pci_probe(d);
		/* The driver core reports only a failed probe (5.10 reaches its switch only on failure). */
		if (rc) oracle_report_probe_result(&d->dev, &st->drv, rc);
		alarm(0);
		o.rc = rc;
		if (rc == 0 && st->n_attempts > 0) {
			o.transport = st->attempts[st->n_attempts - 1].probe;
			struct virtio_device *vdev = d->dev.driver_data; /* vp_dev starts with its virtio_device */
			if (vdev) {
				o.virtio_id = vdev->id.device;
				o.config_ops = vdev->config == &virtio_pci_config_ops ? "virtio_pci_config_ops"
					       : vdev->config == &virtio_pci_config_nodev_ops ? "virtio_pci_config_nodev_ops" : NULL;
			}
			if (vdev && in->n_queues > 0 && oracle_map_vq_notify && !strcmp(o.transport, "modern")) map_queues(st, vdev);
		}
	} else {
		alarm(0);
		o.exit = (enum exit_kind)kind;
	}
	for (int i = 0; i < st->n_allocs; i++) free(st->allocs[i]);
	st->n_allocs = 0;
	return o;
}

static bool same_outcome(const struct case_state *a, const struct outcome *oa, const struct case_state *b, const struct outcome *ob)
{
	if (oa->exit != ob->exit || oa->rc != ob->rc || oa->matched != ob->matched || strcmp(oa->transport, ob->transport) != 0) return false;
	if (a->n_msgs != b->n_msgs || a->n_maps != b->n_maps) return false;
	for (int i = 0; i < a->n_msgs; i++)
		if (a->msgs[i].level != b->msgs[i].level || strcmp(a->msgs[i].text, b->msgs[i].text) != 0) return false;
	for (int i = 0; i < a->n_maps; i++)
		if (memcmp(&a->maps[i], &b->maps[i], sizeof a->maps[i]) != 0) return false;
	return true;
}

static struct case_state base_state, alt_state;

/* The config offset of a header field in this run (the subsystem ids move with the header type). */
static int field_offset(const struct case_state *st, int f)
{
	if (f == HF_SS_VENDOR) return st->ss_vendor_off;
	if (f == HF_SS_DEVICE) return st->ss_device_off;
	return HEADER_FIELDS[f].offset;
}

static void run_case(struct case_in *in)
{
	/* Vendor and device id decide everything: unknown means undetermined, without running. */
	if (!header_known(in, 0x00, 2) || !header_known(in, 0x02, 2)) {
		memset(&base_state, 0, sizeof base_state);
		base_state.in = in;
		for (int off = 0; off < 4; off++)
			if (in->unknown[off]) base_state.undetermined_offsets[base_state.n_undet_off++] = off;
		struct outcome o = {EXIT_UNDETERMINED, 0, "none", -1, NULL, true};
		print_result(&base_state, &o);
		return;
	}
	u32 base_alt[N_HEADER_FIELDS], alt[N_HEADER_FIELDS];
	for (int f = 0; f < N_HEADER_FIELDS; f++) base_alt[f] = HEADER_FIELDS[f].alt[0];
	struct outcome base = run_once(&base_state, in, base_alt);
	/* Unknown enumeration-time header fields: vary each; if the outcome moves, it depends on it. */
	int depends[N_HEADER_FIELDS], n_dep = 0;
	bool id_unknown = false;
	for (int f = 0; f < N_HEADER_FIELDS; f++) {
		int off = field_offset(&base_state, f);
		if (off < 0 || header_known(in, off, HEADER_FIELDS[f].width)) continue;
		for (int a = 1; a < HEADER_FIELDS[f].n_alt; a++) {
			memcpy(alt, base_alt, sizeof alt);
			alt[f] = HEADER_FIELDS[f].alt[a];
			struct outcome other = run_once(&alt_state, in, alt);
			if (!same_outcome(&base_state, &base, &alt_state, &other)) {
				depends[n_dep++] = f;
				break;
			}
			if (base.virtio_id != other.virtio_id) id_unknown = true;
		}
	}
	S = &base_state;
	if (n_dep > 0 && base.exit != EXIT_UNDETERMINED) {
		base.exit = EXIT_UNDETERMINED;
		base.transport = "none";
		for (int k = 0; k < n_dep; k++) {
			int off = field_offset(&base_state, depends[k]);
			for (int i = 0; i < HEADER_FIELDS[depends[k]].width && base_state.n_undet_off < 16; i++)
				base_state.undetermined_offsets[base_state.n_undet_off++] = off + i;
		}
	}
	if (id_unknown) base.virtio_id = -1;
	print_result(&base_state, &base);
}

/* ---- input ---- */
static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}
static bool parse_u64(const char *s, u64 *out, bool *unknown)
{
	if (strcmp(s, "?") == 0) { *unknown = true; *out = 0; return true; }
	char *end;
	*out = strtoull(s, &end, 16);
	*unknown = false;
	return *s && !*end;
}
static void parse_flags(const char *s, struct bar_in *b, long line)
{
	if (strcmp(s, "?") == 0) { b->flags_unknown = true; return; }
	char buf[64];
	snprintf(buf, sizeof buf, "%s", s);
	b->flags = 0;
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		if (!strcmp(tok, "io")) b->flags |= IORESOURCE_IO;
		else if (!strcmp(tok, "mem")) b->flags |= IORESOURCE_MEM;
		else if (!strcmp(tok, "mem64")) b->flags |= IORESOURCE_MEM | IORESOURCE_MEM_64;
		else if (!strcmp(tok, "pref")) b->flags |= IORESOURCE_PREFETCH;
		else if (!strcmp(tok, "none")) ;
		else fail_input("bad BAR flags", line);
	}
}

int main(void)
{
	static char line[CFG_SIZE * 2 + 256];
	static struct case_in in;
	bool in_case = false;
	long lineno = 0;
	signal(SIGALRM, on_alarm);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	while (fgets(line, sizeof line, stdin)) {
		lineno++;
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
		if (!l) continue;
		char *sp = strchr(line, ' ');
		char *arg = sp ? sp + 1 : line + l;
		if (sp) *sp = 0;
		if (!strcmp(line, "case")) {
			memset(&in, 0, sizeof in);
			memset(in.unknown, 1, sizeof in.unknown);
			snprintf(in.id, sizeof in.id, "%s", arg);
			snprintf(in.bdf, sizeof in.bdf, "0000:00:00.0");
			in_case = true;
		} else if (!in_case) {
			fail_input("expected `case ID`", lineno);
		} else if (!strcmp(line, "bdf")) {
			snprintf(in.bdf, sizeof in.bdf, "%s", arg);
		} else if (!strcmp(line, "force_legacy")) {
			in.force_legacy = !strcmp(arg, "1");
		} else if (!strcmp(line, "bar")) {
			char f[4][64];
			int n = sscanf(arg, "%63s %63s %63s %63s", f[0], f[1], f[2], f[3]);
			int idx = atoi(f[0]);
			if (n != 4 || idx < 0 || idx > 5) fail_input("bad bar line", lineno);
			struct bar_in *b = &in.bar[idx];
			if (!parse_u64(f[1], &b->start, &b->start_unknown) || !parse_u64(f[2], &b->len, &b->len_unknown)) fail_input("bad bar value", lineno);
			parse_flags(f[3], b, lineno);
		} else if (!strcmp(line, "inject")) {
			for (char *tok = strtok(arg, " "); tok; tok = strtok(NULL, " ")) {
				if (!strncmp(tok, "reqfail=", 8)) in.reqfail = (unsigned)strtoul(tok + 8, NULL, 16);
				else if (!strncmp(tok, "mapfail=", 8)) in.mapfail = (unsigned)strtoul(tok + 8, NULL, 16);
				else if (!strcmp(tok, "dma64=fail")) in.dma64_fail = true;
				else if (!strcmp(tok, "dma32=fail")) in.dma32_fail = true;
				else fail_input("bad inject token", lineno);
			}
		} else if (!strcmp(line, "cfg")) {
			if (strlen(arg) != CFG_SIZE * 2) fail_input("cfg needs 8192 hex digits", lineno);
			for (int i = 0; i < CFG_SIZE; i++) {
				const char *h = arg + 2 * i;
				if (h[0] == '?' && h[1] == '?') { in.unknown[i] = 1; continue; }
				int hi = hexval(h[0]), lo = hexval(h[1]);
				if (hi < 0 || lo < 0) fail_input("bad hex in cfg", lineno);
				in.cfg[i] = (u8)(hi << 4 | lo);
				in.unknown[i] = 0;
			}
		} else if (!strcmp(line, "queues")) {
			in.n_queues = 0;
			for (char *tok = strtok(arg, " "); tok; tok = strtok(NULL, " ")) {
				char *end;
				unsigned long v = strtoul(tok, &end, 16);
				if (*end || v > 0xffff || in.n_queues >= MAX_QUEUES) fail_input("bad queues line (hex u16 values, at most 64)", lineno);
				in.queue_notify_off[in.n_queues++] = (u16)v;
			}
		} else if (!strcmp(line, "end")) {
			run_case(&in);
			in_case = false;
			fflush(stdout);
		} else {
			fail_input("unknown keyword", lineno);
		}
	}
	return 0;
}
