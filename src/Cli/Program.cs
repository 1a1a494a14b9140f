using CryptoStreams.Cli;

return await CliApplication.Create().Parse(args).InvokeAsync(CliApplication.Invocation()).ConfigureAwait(false);
