export * from "./config";
export * from "./tags";
export * from "./keyPolicy";
export * from "./ImageKey";
export * from "./GoldenImage";
export * from "./ImageSharing";
export * from "./RegionalImage";
export * from "./promotion";
