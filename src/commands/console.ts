/**
 * `console --profile NAME [--service S | --destination URL] [--region R] [--print] [--browser CMD]`:
 * signs in to the AWS web console as the role, with the credentials `assume` gives (cache, lock, MFA
 * session or prompt), through the federation endpoint of the role's partition.
 * @module
 */
import type { CommandContext } from "./context.ts";
import { resolveProfile } from "../config/resolve.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { assumeProfile } from "../assume/pipeline.ts";
import { noPositionals, requiredProfile } from "./common.ts";
import {
  destinationUrl,
  FEDERATION_URL_ENV,
  fetchSigninToken,
  loginUrl,
  partitionEndpoints,
  partitionOf,
  PARTITIONS,
  REGION_PATTERN,
  SERVICE_PATTERN,
  SIGNIN_TOKEN_MINUTES,
} from "../console/federation.ts";
import { browserCommands, openInBrowser } from "../console/browser.ts";

/** An optional string option (`--x=` given empty counts as given). */
function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Runs `console`: prints the sign-in URL (`--print`) or opens it in a browser. */
export async function runConsole(context: CommandContext): Promise<number> {
  noPositionals(context);
  const name = requiredProfile(context, "console");
  const service = stringOption(context, "service");
  const destination = stringOption(context, "destination");
  const region = stringOption(context, "region");
  const browser = stringOption(context, "browser");
  const print = context.values.print === true;
  if (service !== undefined && destination !== undefined) {
    throw new UsageError("--service and --destination exclude each other");
  }
  if (region !== undefined && destination !== undefined) {
    throw new UsageError("--region has no effect with --destination (the URL names the region)");
  }
  if (print && browser !== undefined) {
    throw new UsageError("--print and --browser exclude each other");
  }
  if (service !== undefined && !SERVICE_PATTERN.test(service)) {
    throw new UsageError(`--service '${service}' is not a console service name (ec2, s3, iam…)`);
  }
  if (region !== undefined && !REGION_PATTERN.test(region)) {
    throw new UsageError(`--region '${region}' is not an AWS region name (e.g. eu-west-1)`);
  }
  if (destination !== undefined && !/^https?:\/\/[^/?#\s]+/.test(destination)) {
    throw new UsageError("--destination must be a full console URL (https://…)");
  }

  // Everything that can be wrong with the profile is found before an MFA prompt.
  const profile = resolveProfile(name, context.env);
  const partition = partitionOf(profile.roleArn);
  const endpoints = partitionEndpoints(partition, context.env(FEDERATION_URL_ENV));
  if (!endpoints) {
    throw new ConfigError(
      `profile '${name}' in ${profile.configFile}: vegas_role_arn is in partition ` +
        `'${partition}', which has no AWS console sign-in vegas-credentials knows ` +
        `(${Object.keys(PARTITIONS).join(", ")})`,
    );
  }
  const consoleRegion = region ??
    (profile.origins.region === "default" ? endpoints.defaultRegion : profile.region);
  const landing = destination ?? destinationUrl(endpoints.consoleUrl, consoleRegion, service);

  const credentials = await assumeProfile(name, context.ui, context.env);
  context.ui.debug(
    `requesting a console sign-in token for profile '${name}' from ${endpoints.federationUrl}`,
  );
  const token = await fetchSigninToken(endpoints.federationUrl, credentials, name);
  const url = loginUrl(endpoints.federationUrl, landing, token);
  if (print) {
    context.print(url + "\n");
    return 0;
  }
  const program = await openInBrowser(url, browserCommands(browser, context.env), [token]);
  context.ui.info(
    `opened the AWS console for profile '${name}' with ${program} ` +
      `(the sign-in link works for ${SIGNIN_TOKEN_MINUTES} minutes)`,
  );
  return 0;
}
