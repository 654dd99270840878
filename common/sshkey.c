/* sshkey.c: OpenSSH public keys as text: parse, fingerprint, and scan a host's key. */

#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "jumpgate.h"

void
sshkey_pub_clear(struct sshkey_pub *k)
{
	free(k->base64);
	memset(k, 0, sizeof(*k));
}

/* Fill type, canonical base64 and SHA256 fingerprint from a libssh key. */
static int
sshkey_from_libssh(ssh_key key, struct sshkey_pub *out, char *err,
    size_t errlen)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *b64 = NULL, *fp;
	const char *type;

	if ((type = ssh_key_type_to_char(ssh_key_type(key))) == NULL ||
	    strlen(type) >= sizeof(out->type)) {
		snprintf(err, errlen, "unsupported key type");
		return JG_EINVAL;
	}
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK ||
	    ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != 0) {
		ssh_string_free_char(b64);
		snprintf(err, errlen, "cannot encode the key");
		return JG_ERR;
	}
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (fp == NULL || strlen(fp) >= sizeof(out->fingerprint)) {
		ssh_string_free_char(fp);
		ssh_string_free_char(b64);
		snprintf(err, errlen, "cannot fingerprint the key");
		return JG_ERR;
	}
	snprintf(out->type, sizeof(out->type), "%s", type);
	snprintf(out->fingerprint, sizeof(out->fingerprint), "%s", fp);
	out->base64 = xstrdup(b64);
	ssh_string_free_char(fp);
	ssh_string_free_char(b64);
	return JG_OK;
}

/* One "TYPE BASE64 [COMMENT]" line; a private key is named as such. */
int
sshkey_parse_line(const char *line, struct sshkey_pub *out, char *err,
    size_t errlen)
{
	char buf[SSHKEY_LINE_MAX], *type, *b64, *comment, *save = NULL;
	enum ssh_keytypes_e kt;
	ssh_key key = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "-----BEGIN", 10) == 0) {
		snprintf(err, errlen, "a private key, not a public key");
		return JG_EINVAL;
	}
	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "key line too long");
		return JG_EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	buf[strcspn(buf, "\r\n")] = '\0';
	type = strtok_r(buf, " \t", &save);
	b64 = strtok_r(NULL, " \t", &save);
	comment = strtok_r(NULL, "", &save);
	if (type == NULL || b64 == NULL) {
		snprintf(err, errlen, "not an OpenSSH public key");
		return JG_EINVAL;
	}
	kt = ssh_key_type_from_name(type);
	if (kt == SSH_KEYTYPE_UNKNOWN ||
	    ssh_pki_import_pubkey_base64(b64, kt, &key) != SSH_OK) {
		snprintf(err, errlen, "not an OpenSSH public key");
		return JG_EINVAL;
	}
	rc = sshkey_from_libssh(key, out, err, errlen);
	ssh_key_free(key);
	if (rc == JG_OK && comment != NULL) {
		while (*comment == ' ' || *comment == '\t')
			comment++;
		if (str_has_control(comment))
			comment = "";
		snprintf(out->comment, sizeof(out->comment), "%s", comment);
	}
	return rc;
}

int
sshkey_load_public_file(const char *path, struct sshkey_pub *out, char *err,
    size_t errlen)
{
	unsigned char *data;
	char *line, *save = NULL, sub[JG_ERRLEN];
	size_t len;
	int rc;

	if (strcmp(path, "-") == 0)
		rc = fd_read_all(0, SSHKEY_LINE_MAX, &data, &len);
	else
		rc = file_read_all(path, SSHKEY_LINE_MAX, &data, &len, err,
		    errlen);
	if (rc != JG_OK) {
		if (strcmp(path, "-") == 0)
			snprintf(err, errlen, "cannot read a key from stdin");
		return rc;
	}
	if (memchr(data, '\0', len) != NULL) {
		free(data);
		snprintf(err, errlen, "%s: not an OpenSSH public key", path);
		return JG_EINVAL;
	}
	for (line = strtok_r((char *)data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line != '\0' && *line != '#')
			break;
	}
	if (line == NULL) {
		snprintf(err, errlen, "%s: no key in file", path);
		rc = JG_EINVAL;
	} else if ((rc = sshkey_parse_line(line, out, sub, sizeof(sub))) !=
	    JG_OK)
		snprintf(err, errlen, "%s: %s", path, sub);
	free(data);
	return rc;
}

/* Connect once, read the host's key, disconnect: used by `target add --scan`. */
int
sshkey_scan_host(const char *host, int port, int timeout,
    struct sshkey_pub *out, char *err, size_t errlen)
{
	ssh_session s;
	ssh_key key = NULL;
	long t = timeout;
	int rc = JG_ERR, no = 0;

	memset(out, 0, sizeof(*out));
	if ((s = ssh_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return JG_ENOMEM;
	}
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	if (ssh_options_set(s, SSH_OPTIONS_HOST, host) != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &port) != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &t) != SSH_OK ||
	    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") != SSH_OK) {
		snprintf(err, errlen, "%s:%d: %s", host, port,
		    ssh_get_error(s));
		goto out;
	}
	if (ssh_connect(s) != SSH_OK) {
		snprintf(err, errlen, "%s:%d is unreachable: %s", host, port,
		    ssh_get_error(s));
		goto out;
	}
	if (ssh_get_server_publickey(s, &key) != SSH_OK) {
		snprintf(err, errlen, "%s:%d: no host key: %s", host, port,
		    ssh_get_error(s));
		goto out;
	}
	rc = sshkey_from_libssh(key, out, err, errlen);
out:
	ssh_key_free(key);
	ssh_disconnect(s);
	ssh_free(s);
	return rc;
}
