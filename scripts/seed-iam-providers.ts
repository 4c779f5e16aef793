/**
 * Demo seeding for IAM server certificates and identity providers: an expired server certificate and a valid
 * one, a SAML provider, an OIDC provider scoped to the STS audience and one without any audience.
 *
 * The certificates are throwaway self-signed ones made once with openssl for these seeds (keys included; they
 * protect nothing): `www.example.com`, valid until 2126, and `legacy.example.com`, valid in 2024 only
 * (`openssl ca -selfsign -startdate 240101000000Z -enddate 250101000000Z`). moto 5.x keeps the bodies but
 * answers fixed dates of its own (uploaded 2010-05-08, expiring 2012-05-08; SAML metadata valid until 2032),
 * so against moto both certificates read as expired — the collector tests check the verdicts over stubs.
 */
import {
  CreateOpenIDConnectProviderCommand,
  CreateSAMLProviderCommand,
  UploadServerCertificateCommand,
} from "@aws-sdk/client-iam";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const VALID_CERTIFICATE = "www-example-com";
export const EXPIRED_CERTIFICATE = "legacy-example-com-2024";
export const SAML_PROVIDER = "corp-okta";
/** The GitHub Actions provider with the STS audience (compliant) and a provider with no audience (violation). */
export const OIDC_SCOPED = "token.actions.githubusercontent.com";
export const OIDC_NO_AUDIENCE = "idp.legacy.example.com";

const VALID_PEM = `
-----BEGIN CERTIFICATE-----
MIIDFzCCAf+gAwIBAgIUaInvDZKTMMUDhdvB5czOe9MJuq4wDQYJKoZIhvcNAQEL
BQAwGjEYMBYGA1UEAwwPd3d3LmV4YW1wbGUuY29tMCAXDTI2MTIwNDAxMDcwM1oY
DzIxMjYxMTEwMDEwNzAzWjAaMRgwFgYDVQQDDA93d3cuZXhhbXBsZS5jb20wggEi
MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCrmN0ZpLnQrJb5sUD3EMvQBzkS
ZLFtJwQjyy/tC1ASIFkKPkgfhtJvzYzlK0SUJI/kfg2sNRAoM6ijvHUSiNH0x6JD
YsI+C8E7Iy4KGFSIMj2pO0f52lOIy/fWj8jkyu/DHZ+O5VyRAPQdMoc7oDUSE8Kg
Z+4H+iBTrloWB18EMh7RshBHJimVL4fDdRuTAkr7eyvrZflCbmsni3JMV1ehTIYj
4AyQit8jm33oZw6cYHDObukHGf/vp9ri+hsHHuGw2evzXp7erBsTlfxAMvIojs0h
stv5+2GWK+fU16a7ai0ewwFHSolEQ0Wei0VnzLse4P1bFAFUxfQdgIu28mq1AgMB
AAGjUzBRMB0GA1UdDgQWBBQiZ8Hdpj4xcrPztURWJOmykFccXzAfBgNVHSMEGDAW
gBQiZ8Hdpj4xcrPztURWJOmykFccXzAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3
DQEBCwUAA4IBAQAPBQyC6K2izHeel0H3RQND8r97rxKvsOU2jI8MFUBarngf2PGc
lxx1AVwU4JGdSgGrtJYdbe3D+z16QhbwnPLWKpgen5fbRpOZfDFMUtRE3/q3k3vR
8qw8whrzYPbLwabb3GRyxadzb7ch8LQp/mc/82dWC8tfi5b94PU0+sk8Zgs9qS0J
4ybAHv3fl+o8VTEOR4rNU7LOq3M0P8j8Vvw3u1v3Hqxy8BJfmI2a4QklQKBhkHQB
fM79l9DAeEirOq5WDRh1pDRbf/o6+sgn6srKAGmXx1c7OcTCM+VmcFVV/hcuWr52
6H6eSQNLALt2t3DeBz4DEwG+ybGfpS2o1G+h
-----END CERTIFICATE-----
`;
const VALID_KEY = `
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCrmN0ZpLnQrJb5
sUD3EMvQBzkSZLFtJwQjyy/tC1ASIFkKPkgfhtJvzYzlK0SUJI/kfg2sNRAoM6ij
vHUSiNH0x6JDYsI+C8E7Iy4KGFSIMj2pO0f52lOIy/fWj8jkyu/DHZ+O5VyRAPQd
Moc7oDUSE8KgZ+4H+iBTrloWB18EMh7RshBHJimVL4fDdRuTAkr7eyvrZflCbmsn
i3JMV1ehTIYj4AyQit8jm33oZw6cYHDObukHGf/vp9ri+hsHHuGw2evzXp7erBsT
lfxAMvIojs0hstv5+2GWK+fU16a7ai0ewwFHSolEQ0Wei0VnzLse4P1bFAFUxfQd
gIu28mq1AgMBAAECggEAAj9x4gSc5IVmQuYWBkaDjPmTP1DvXBEvRjLCsXW8+kfP
MsmnEzamag2Ew3nCH7is497c2f0l9YjbtC1jUTdWnMDCuORBzCNGSDqJP1ubO9+A
nEdpBXZdMsUNPZPLm2enJWStcudBQ6sCB6HiUJ8kItT8bzJ9VUBrDP2TM4esMHdc
GJad0zdsWAwAwKEWRl8sRtvMDDWaxvryJUyUMlSEUcsj4gjy2Vk//XgbZBMrtS6c
opvbs5MGBhYFrUoFJyyiBykeulUNHPF4dwgvIIHpBJjcUXN1vYtL8yqOuRVOxWQg
yIqPToRJlONCfBR/9+DM7IpD0YiT6iSLwLpXJ8jPkQKBgQDnBFV6Y3zfdQPRiKTO
Cs91bkpxhuVS3m0v2tc85CgkY9VaBe20zNGMW/AxU4uAAuYjxnBpboCKDhhBVIjg
pQahyNGoRA+1vSZsaZLWjX9vDlpTIzfSn2/F+RLyqknbHY/Mbb/YVNsHeHDcFKCF
1oZTKDLFNrhY9Zwj02fIRb4MPQKBgQC+J4CLND+17pEoZhmJx5SZAjWtHvpROxXr
KU0I2qCeWTWqf83/aQsTpX81RJ/7oi3eVdMq7dDlOV2S5z7Ztc1XrKW+jiAcReCC
h9MXLbIDeREqbqr9IGLn9meQofi91yLvoA/g6QOuLMhPyu2RFeQ1w+5fkFXbvpjs
FseKTPvn2QKBgQCu5UkRb2CKjDxn1dtvYh/N98HEUSwsoNho8nUhVFpPsoVDsllU
F/xNFw2xSl7Ce29ghkt0hoQqAKG8VBOMf2OV+ENB8MU0Ag+k5AiXBmkD2wnnBzKr
8qjcaMU/kkx35tmHG0+yqAtqjHRlKfidWtw2+Kf3RoYqU0fyl4pqxOIswQKBgBop
ozUD7lQgy9YMHi1nyVk4BZyZK4WrpHtjhlbWhczjp0+bIAOpNz3vwk3Y8E4V5Uu2
8UPxzpELUIWazXn02pjahz9tnJtnPdmXyIJi5iA2MxdsfJgxMYqKy3sJ3gh4pjTk
B+tBBCGdxb28xOz2XxzKpWx+lmGSmsW46KFtsCcZAoGAeMwVjKTEKsy4eGM0ic82
4OFudfwjWCQY1tIqNlzz9iOS/52EFoV6wXdvYRVwejD5pAkWN/l3bFVDjZC4iE2n
gafEEkxN2tmfZ3Ew00InETyjslj+DdvUPlEkB/sTfaQBIwAQ3Y9/kLhrjwN5c1r8
lZlkkgG1FqwyoZjIy5lsFCY=
-----END PRIVATE KEY-----
`;
const EXPIRED_PEM = `
-----BEGIN CERTIFICATE-----
MIICrjCCAZYCAQEwDQYJKoZIhvcNAQELBQAwHTEbMBkGA1UEAwwSbGVnYWN5LmV4
YW1wbGUuY29tMB4XDTI0MDEwMTAwMDAwMFoXDTI1MDEwMTAwMDAwMFowHTEbMBkG
A1UEAwwSbGVnYWN5LmV4YW1wbGUuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A
MIIBCgKCAQEAt48i/DSheYSzsmfrKcbkYUzmgxd0ZzepFVwCZgjeu8NusbghrZAf
fA0cxdr5QThXXN09Y1q5Wzg50C9gFqwH3yNoUhoIHN++xwE3pRdzH5h+Ka8L/XW0
S+dGgQvmBKM8BsW6fcFjGn3TRYqbLIMWYIwFG+XMtXHGLOsoAYbSDvnOJekF+eGX
0kTrYWNtkgHWMUqx8t6GmH2uZvzxulbj16b3DetWkulUFDXuh4cvGFrauL+/oCRq
6mmlnkIuF+YKFadv15w+UMX6w9qz215cdxNUsIWtgJURVRtK45WBjHg+k+uQan1T
TLexqvL84fbqVuSBXhEP23e1LGZbQ9ptzQIDAQABMA0GCSqGSIb3DQEBCwUAA4IB
AQBeUOL3m6uifJkRO03500PhxrCzxvSCBMtEki9SGdmlTkaS856p1b4XNbaSBrl6
ywt8LbBbbqrQwn2uZonlyf2QVMNd7jauHyzxIaK1mC3Yww9brV2DQV0LA3tmXeeg
2NE+LoxfHRIeehxKQagGX/4jiDeAGnRQJX5isbwwdA5obCgdx9wNgzewb/iMNUe+
kIEwiIg5kt4C5QFQJDtucO1nckaOUpfsXeLON/anxEL/53UVfZIcQmT8JxN76FCB
P+TgyPHwOiCu6zcbKHmZ++uVGVZlFyL04NlR/ZQMTHXIhvxAR6X3VBcU8w7REw7A
6Dxixvl303TRjKIKe9pJGrSG
-----END CERTIFICATE-----
`;
const EXPIRED_KEY = `
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC3jyL8NKF5hLOy
Z+spxuRhTOaDF3RnN6kVXAJmCN67w26xuCGtkB98DRzF2vlBOFdc3T1jWrlbODnQ
L2AWrAffI2hSGggc377HATelF3MfmH4prwv9dbRL50aBC+YEozwGxbp9wWMafdNF
ipssgxZgjAUb5cy1ccYs6ygBhtIO+c4l6QX54ZfSROthY22SAdYxSrHy3oaYfa5m
/PG6VuPXpvcN61aS6VQUNe6Hhy8YWtq4v7+gJGrqaaWeQi4X5goVp2/XnD5QxfrD
2rPbXlx3E1Swha2AlRFVG0rjlYGMeD6T65BqfVNMt7Gq8vzh9upW5IFeEQ/bd7Us
ZltD2m3NAgMBAAECggEACkokDiq+HYN+lkLkiBY94aVvq4wSSqHwYMHkYYdgQvrA
1wYJH0NbvHa4tO+iNtF7djlxskLY7p/ff8fUFVlF5LCFrcqHR2UUeu/ayG6g1bXU
5q3JGIdzWKjphxzdY0eqOv/1BQ0k6syAXh7XtX5QsA9RTv/KAqbS0txIxRMjbdLj
NzQXq/A5fkrEed9JMfQEbLh93VNqvA2cPn0YzbNc/fWVlLgseY2U6dWGitrG1vMN
KvKhYZM61jVfzz2/EERLuvXP1nqBmPDv2joiBD3d9p/Vn/mCn7XGQuDl/yUqjPUp
n/v6NQ2ytVTO0RkX96eZiWkUWIDyJZOTv3HryOyN0QKBgQDeyH27zCrMyh/Kkqx6
HmCZZmDB9zR3kc6ShXwVFSillIB1qgaH1JTzm/xk2fioyzTpcEcDCs1UA6jRufzu
yzq8L13gVrYsntFOoOnF1wJfmtj3DGu6bE5AS23FQxHYds+9cE+5fbTJkwonKx4Y
A4l3BvAiItHpTc2IW7sHFw1RUQKBgQDS7Xxe9aS3CA6i8wBkjIJtrS6jta6wPbo4
W20EPVcrO8+W/QXpQnsEyhKGC5t445FaAAg+lMZlzg2ZrjExJx6YkKklSRfRYYDx
QEveBBa1PltGHmL4lhY22i1mZ94dEHOyKy4BQWuvDmUB7RWSvzRiOMJfpMwF2lGI
Sml/JU3VvQKBgBveLIw/X+M6LXvjmRu1jRPjUJsy1ydV3+dIN1tTyD/eMauGV0bK
es92Zb4f3hEPSlEhMGDbCxBFXOrPPyqH1ZMQwcd8UVGHlFsnmdabrLpU3msY7Kjn
P2qfhN22JBdV1Wq3D+H+LY1BjXWU2TDb0GhJP+SlQmjSyLET+HNMmOfhAoGAe6V/
7OKu5iSw/9DXgBnmM4j7+Df+6Y2l5neh1oRm3w82x9oXZv/zwYD7jtyrDRjKEipG
qvjnvLInwtkcOSYnh2P148ePUMyJm+MHFmTrMuAU/Wu+tN62svz+9DMbP4pvaBhr
5YyGJZ6Yk6J5rQatHI8NUqf2ec/bT7vfUAt8LzkCgYAQAE+Bwnun+vRD1V7AoCo7
M7lizwxAi+6rVuztDSb34rl4WIMTaSnjiWnf5sgljnyFU8n7JakxDeRl4Aqz8AfB
CteKMeDzNhSkIqmKPgA9DVCLhVJ4Fx3X8RjqciMWzgsvrNMOdd+IBBfWI7XnWu1W
cpNo2/LcK/jgH0qCnXBmGQ==
-----END PRIVATE KEY-----
`;

/** SAML metadata of a made-up IdP; its own validUntil is in the future. */
const SAML_METADATA = `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://corp.okta.example.com"
  validUntil="2030-01-01T00:00:00Z">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
      Location="https://corp.okta.example.com/app/sso/saml"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

export interface IamProvidersSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
}

export async function seedIamProviders(clients: (region: string) => AwsClientSet): Promise<IamProvidersSeed> {
  const iam = clients("us-east-1").iam;
  await iam.send(
    new UploadServerCertificateCommand({
      ServerCertificateName: VALID_CERTIFICATE,
      Path: "/cloudfront/",
      CertificateBody: VALID_PEM,
      PrivateKey: VALID_KEY,
    }),
  );
  await iam.send(
    new UploadServerCertificateCommand({
      ServerCertificateName: EXPIRED_CERTIFICATE,
      CertificateBody: EXPIRED_PEM,
      PrivateKey: EXPIRED_KEY,
    }),
  );
  await iam.send(new CreateSAMLProviderCommand({ Name: SAML_PROVIDER, SAMLMetadataDocument: SAML_METADATA }));
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: `https://${OIDC_SCOPED}`,
      ClientIDList: ["sts.amazonaws.com"],
      ThumbprintList: ["6938fd4d98bab03faadb97b34396831e3780aea1"],
    }),
  );
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: `https://${OIDC_NO_AUDIENCE}`,
      ThumbprintList: ["0000000000000000000000000000000000000000"],
    }),
  );
  return {
    created: { "iam:server-certificate": 2, "iam:saml-provider": 1, "iam:oidc-provider": 2 },
  };
}
