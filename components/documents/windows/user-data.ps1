<powershell>
# First boot of a Windows fleet instance, run once by EC2Launch v2. Secrets never go here: instances get what they
# need from their role at boot (Get-SECSecretValue, Get-SSMParameter -WithDecryption).
$ErrorActionPreference = 'Stop'
$token = Invoke-RestMethod -Method Put -Uri 'http://169.254.169.254/latest/api/token' -Headers @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '300' }
$instanceId = Invoke-RestMethod -Uri 'http://169.254.169.254/latest/meta-data/instance-id' -Headers @{ 'X-aws-ec2-metadata-token' = $token }
Set-Service -Name AmazonSSMAgent -StartupType Automatic
Start-Service -Name AmazonSSMAgent
Write-Output "golden-ami: $instanceId is up"
</powershell>
