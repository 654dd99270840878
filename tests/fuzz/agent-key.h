/* agent-key.h: the target key fuzz-agent registers with the keeper, shared with fuzz-seeds (its seeds sign in with it). */
#ifndef FUZZ_AGENT_KEY_H
#define FUZZ_AGENT_KEY_H

/*
 * A throwaway Ed25519 key made with `ssh-keygen -t ed25519 -N '' -C
 * fuzz-agent` for the fuzzers alone: never a key of anything.
 */
#define FUZZ_AGENT_KEY \
	"-----BEGIN OPENSSH PRIVATE KEY-----\n" \
	"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" \
	"QyNTUxOQAAACDNLxCc+FE/wr0OnS37a8f0VdaoTZ6VCAlabizYAG6ICQAAAJCwo0dSsKNH\n" \
	"UgAAAAtzc2gtZWQyNTUxOQAAACDNLxCc+FE/wr0OnS37a8f0VdaoTZ6VCAlabizYAG6ICQ\n" \
	"AAAECe2dHhFAx7jA2E/7/osIU1nIc7ziOZJdSjKO2BOfy3is0vEJz4UT/CvQ6dLftrx/RV\n" \
	"1qhNnpUICVpuLNgAbogJAAAACmZ1enotYWdlbnQBAgM=\n" \
	"-----END OPENSSH PRIVATE KEY-----\n"
#define FUZZ_AGENT_PUB \
	"ssh-ed25519 " \
	"AAAAC3NzaC1lZDI1NTE5AAAAIM0vEJz4UT/CvQ6dLftrx/RV1qhNnpUICVpuLNgAbogJ " \
	"fuzz-agent"
#define FUZZ_AGENT_TARGET "web1"
#define FUZZ_AGENT_PASSWORD "s3cret pass word"
#define FUZZ_AGENT_CONN 42

#endif /* FUZZ_AGENT_KEY_H */
