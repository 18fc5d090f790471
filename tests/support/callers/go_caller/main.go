// A caller on the AWS SDK for Go v2 (Terraform's SDK): one client from the default credential
// chain, GetCallerIdentity every second until it has made CALLERS_MIN_CALLS calls and seen
// CALLERS_MIN_KEYS different access keys (the server refreshed them), or CALLERS_DEADLINE_MS (epoch
// milliseconds) has passed. Prints one line per call and a summary line; exits 1 when a call
// failed. STS_ENDPOINT is the STS emulator.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	ctx := context.Background()
	deadline, _ := strconv.ParseInt(os.Getenv("CALLERS_DEADLINE_MS"), 10, 64)
	minCalls, _ := strconv.Atoi(os.Getenv("CALLERS_MIN_CALLS"))
	minKeys, _ := strconv.Atoi(os.Getenv("CALLERS_MIN_KEYS"))
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Printf("go FAIL config: %v\n", err)
		os.Exit(1)
	}
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.EndpointResolver = sts.EndpointResolverFromURL(os.Getenv("STS_ENDPOINT"))
	})
	keys := map[string]bool{}
	calls, failed := 0, 0
	for {
		calls++
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			failed++
			fmt.Printf("go FAIL %v\n", err)
		} else {
			fmt.Printf("go ok %s\n", *out.Arn)
		}
		if creds, err := cfg.Credentials.Retrieve(ctx); err == nil {
			keys[creds.AccessKeyID] = true
		}
		if (calls >= minCalls && len(keys) >= minKeys) || time.Now().UnixMilli() >= deadline {
			break
		}
		time.Sleep(time.Second)
	}
	fmt.Printf("go summary {\"calls\":%d,\"failed\":%d,\"keys\":%d}\n", calls, failed, len(keys))
	if failed > 0 {
		os.Exit(1)
	}
}
