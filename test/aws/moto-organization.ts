import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { accountCredentials, DUMMY_CREDENTIALS } from "./moto-helpers.ts";

/** An organisation made in moto for one test file: ids of its OUs and accounts. */
export interface MotoOrganization {
  managementAccountId: string;
  rootId: string;
  /** Root/Prod, Root/Prod/Web and Root/Dev. */
  ous: { prod: string; web: string; dev: string };
  /** Active members: web (Root/Prod/Web), db (Root/Prod), dev (Root/Dev); closed: SUSPENDED, in Root/Dev. */
  accounts: { web: string; db: string; dev: string; closed: string };
}

/**
 * Creates an organisation whose management account is `managementAccountId` (a random account of the test file:
 * moto keeps an organisation per management account, so files do not see each other's), with four member
 * accounts in three OUs, one of them closed (moto's CloseAccount makes it SUSPENDED). Each active member gets a
 * bucket named after it, so its findings are its own.
 */
export async function createMotoOrganization(
  endpoint: string,
  managementAccountId: string,
): Promise<MotoOrganization> {
  const org = new OrganizationsClient({
    endpoint,
    region: "us-east-1",
    credentials: accountCredentials(endpoint, managementAccountId),
  });
  try {
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ou = async (parentId: string, name: string) =>
      (await org.send(new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name })))
        .OrganizationalUnit!.Id!;
    const prod = await ou(rootId, "Prod");
    const web = await ou(prod, "Web");
    const dev = await ou(rootId, "Dev");
    const account = async (name: string, parentId: string) => {
      const created = await org.send(
        new CreateAccountCommand({ AccountName: name, Email: `${name}-${managementAccountId}@example.com` }),
      );
      const id = created.CreateAccountStatus!.AccountId!;
      await org.send(
        new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: parentId }),
      );
      return id;
    };
    const accounts = {
      web: await account("prod-web", web),
      db: await account("prod-db", prod),
      dev: await account("dev", dev),
      closed: await account("closed", dev),
    };
    await org.send(new CloseAccountCommand({ AccountId: accounts.closed }));
    for (const id of [accounts.web, accounts.db, accounts.dev]) {
      const s3 = new S3Client({
        endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: accountCredentials(endpoint, id),
      });
      await s3.send(new CreateBucketCommand({ Bucket: `org-member-${id}` }));
      s3.destroy();
    }
    return { managementAccountId, rootId, ous: { prod, web, dev }, accounts };
  } finally {
    org.destroy();
  }
}

/** Static keys of a session in `accountId`, for a child process's AWS_* variables (moto maps them to it). */
export async function sessionKeysFor(endpoint: string, accountId: string) {
  const sts = new STSClient({ endpoint, region: "us-east-1", credentials: DUMMY_CREDENTIALS });
  try {
    const answer = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/admin`,
        RoleSessionName: "org-admin",
      }),
    );
    const c = answer.Credentials!;
    return {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
  } finally {
    sts.destroy();
  }
}
